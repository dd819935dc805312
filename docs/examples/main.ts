import { HttpAdapterHost, NestFactory } from '@nestjs/core';
import { BlueButtonExceptionFilter } from 'nestjs-bluebutton';
import { AppModule } from './app.module.js';

async function bootstrap() {
  const app = await NestFactory.create(AppModule);
  // Optional: turn the package's errors into clean HTTP answers (401 + loginUrl, 502, 504...).
  app.useGlobalFilters(new BlueButtonExceptionFilter(app.get(HttpAdapterHost)));
  await app.listen(3000);
}
void bootstrap();
