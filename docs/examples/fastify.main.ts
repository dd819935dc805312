import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiModule } from './api.module.js';
import { setUpApi } from './api.setup.js';

async function bootstrap() {
  // The same module on Fastify: sessions, the login cookie, the routes, the guard and the filter
  // all go through Nest's HTTP adapter. No cookie plugin is needed.
  const app = await NestFactory.create<NestFastifyApplication>(ApiModule, new FastifyAdapter());
  setUpApi(app);
  await app.listen(3000);
}
void bootstrap();
