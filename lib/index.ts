export { BlueButtonModule } from './bluebutton.module.js';
export {
  BLUEBUTTON_MODULE_OPTIONS,
  type BlueButtonModuleAsyncOptions,
  type BlueButtonOptionsFactory,
} from './bluebutton.module-definition.js';
export { SDK_VERSION } from './common/bluebutton.constants.js';
export { BlueButtonClock } from './common/clock.js';
export * from './config/index.js';
export { InjectBlueButtonConfig } from './config/inject-config.decorator.js';
export * from './errors/index.js';
export {
  AuthService,
  type AuthDataOptions,
  type AuthorizeUrlOptions,
  type StartAuthorizationOptions,
  type CallbackParams,
  type CompletedAuthorization,
} from './auth/auth.service.js';
export {
  AuthorizationToken,
  type AuthorizationTokenJSON,
  type TokenEndpointResponse,
  type TokenFromJSONOptions,
} from './auth/authorization-token.js';
export type { AuthData } from './auth/pkce.js';
export { StoredTokens } from './auth/stored-tokens.js';
export * from './store/index.js';
export * from './fhir/index.js';
export { resolveApiUrl } from './http/url-safety.js';
export * from './web/index.js';
