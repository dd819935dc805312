import { Inject } from '@nestjs/common';
import { BlueButtonConfig } from './bluebutton-config.js';

/** Injects the validated {@link BlueButtonConfig} (equivalent to injecting the class by type). */
export const InjectBlueButtonConfig = (): PropertyDecorator & ParameterDecorator =>
  Inject(BlueButtonConfig);
