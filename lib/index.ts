/**
 * `nestjs-bluebutton`: the CMS Blue Button 2.0 API as a NestJS module.
 *
 * This file is the whole public API of the main entry point: every name a user can import is listed
 * here, by what it is for. The reviewed report of it is `api/nestjs-bluebutton.api.md`.
 *
 * @packageDocumentation
 */

// The module and its configuration.
export { BlueButtonModule } from './bluebutton.module.js';
export type {
  BlueButtonModuleAsyncOptions,
  BlueButtonOptionsFactory,
} from './bluebutton.module-definition.js';
export type {
  BlueButtonEnvironment,
  BlueButtonMiddlewareOptions,
  BlueButtonMiddlewareRoute,
  BlueButtonModuleExtras,
  BlueButtonModuleOptions,
  BlueButtonRouteInfo,
  BlueButtonRoutesOptions,
  BlueButtonRoutesVersion,
  BlueButtonSessionOptions,
  BlueButtonVersion,
  RetrySettings,
} from './config/bluebutton-options.interface.js';
export { BlueButtonConfig, type BlueButtonConfigFields } from './config/bluebutton-config.js';
export { InjectBlueButtonConfig } from './config/inject-config.decorator.js';
export { BlueButtonClock } from './common/clock.js';

// OAuth2 with PKCE: authorization, the code exchange, tokens.
export {
  AuthService,
  type AuthDataOptions,
  type AuthorizeUrlOptions,
  type CallbackParams,
  type CompletedAuthorization,
  type StartAuthorizationOptions,
} from './auth/auth.service.js';
export {
  AuthorizationToken,
  type AuthorizationTokenJSON,
  type TokenEndpointResponse,
  type TokenFromJSONOptions,
} from './auth/authorization-token.js';
export type { AuthData } from './auth/pkce.js';

// FHIR reads, searches, pagination and incremental sync.
export { FhirService } from './fhir/fhir.service.js';
export type {
  ClaimType,
  CommonSearchParams,
  EobSearchParams,
  FhirCallOptions,
  FhirResource,
  FhirResponse,
  PageOptions,
  SearchValue,
  UserInfo,
} from './fhir/fhir.types.js';
export {
  toInsuranceCard,
  type InsuranceCard,
  type InsuranceCardBundle,
  type InsuranceCardPart,
} from './fhir/insurance-card.js';
export {
  isSyncDone,
  isSyncResource,
  type SyncDoneEvent,
  type SyncedResource,
  type SyncEvent,
  type SyncOptions,
  type SyncResourceEvent,
  type SyncResourceType,
  type SyncTypeReport,
} from './fhir/sync/sync.types.js';

// Where tokens and login state live between requests.
export {
  BlueButtonStore,
  type StoreDeleteOptions,
  type StoreSetOptions,
} from './store/bluebutton.store.js';
export { MemoryBlueButtonStore } from './store/memory.store.js';

// In the app's requests: the token decorator, scopes, sessions, the login routes, the error filter.
export {
  BlueButtonToken,
  type BlueButtonTokenOptions,
} from './web/decorators/bluebutton-token.decorator.js';
export { RequireScopes } from './web/decorators/require-scopes.decorator.js';
export { BlueButtonScopeGuard, MissingScopesException } from './web/decorators/scope.guard.js';
export { BlueButtonSessions } from './web/sessions/bluebutton-sessions.service.js';
export {
  BlueButtonLoginFlow,
  type BlueButtonCallbackOptions,
  type BlueButtonCallbackRedirect,
  type BlueButtonLoginErrorCode,
  type BlueButtonLoginOptions,
  type BlueButtonLogoutOptions,
  type BlueButtonRedirect,
} from './web/sessions/login-flow.service.js';
export type { BlueButtonHttpRequest } from './web/request/http-request.js';
export {
  BlueButtonExceptionFilter,
  type BlueButtonErrorAnswer,
} from './web/filter/exception.filter.js';

// Errors: every failure is a BlueButtonError with a stable `code`.
export {
  AuthorizationDeniedError,
  BlueButtonConfigError,
  BlueButtonError,
  BlueButtonNetworkError,
  BlueButtonStoreError,
  BlueButtonTimeoutError,
  FhirHttpError,
  OAuthError,
  PaginationError,
  ReauthorizationRequiredError,
  ResponseTooLargeError,
  StateMismatchError,
  TokenRefreshError,
  UnexpectedResponseError,
  UnsafeUrlError,
  type ConfigIssue,
  type ReauthorizationReason,
} from './errors/bluebutton.errors.js';
export { ApiVersionMismatchError } from './errors/api-version.error.js';
export type { FhirIssue } from './errors/operation-outcome.js';
export { SyncWatermarkError, type SyncWatermarkProblem } from './fhir/sync/sync.errors.js';
