import { VersioningType, type INestApplication } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { BlueButtonExceptionFilter } from 'nestjs-bluebutton';

/** The app's shape, set before it starts: Blue Button's routes follow it like the app's own. */
export function setUpApi(app: INestApplication): void {
  app.setGlobalPrefix('api');
  app.enableVersioning({ type: VersioningType.URI, defaultVersion: '1' });
  app.useGlobalFilters(new BlueButtonExceptionFilter(app.get(HttpAdapterHost)));
}
