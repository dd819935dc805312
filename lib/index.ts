export { BlueButtonModule } from './bluebutton.module.js';
export {
  BLUEBUTTON_MODULE_OPTIONS,
  type BlueButtonModuleAsyncOptions,
  type BlueButtonOptionsFactory,
} from './bluebutton.module-definition.js';
export { SDK_VERSION } from './bluebutton.constants.js';
export * from './config/index.js';
export { InjectBlueButtonConfig } from './config/inject-config.decorator.js';
export * from './errors/index.js';
