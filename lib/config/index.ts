export * from './bluebutton-options.interface.js';
export { BlueButtonConfig } from './bluebutton-config.js';
export { resolveBlueButtonConfig } from './config.loader.js';
export { ENVIRONMENT_BASE_URLS, CONFIG_DEFAULTS } from './config.defaults.js';
