export {
  BlueButtonToken,
  type BlueButtonTokenOptions,
} from './decorators/bluebutton-token.decorator.js';
export { RequireScopes, RequiredScopes } from './decorators/require-scopes.decorator.js';
export { BlueButtonScopeGuard, MissingScopesException } from './decorators/scope.guard.js';
export {
  BlueButtonExceptionFilter,
  type BlueButtonErrorAnswer,
} from './filter/exception.filter.js';
export { BlueButtonSessions } from './sessions/bluebutton-sessions.service.js';
export {
  BlueButtonLoginFlow,
  type BlueButtonCallbackOptions,
  type BlueButtonCallbackRedirect,
  type BlueButtonLoginErrorCode,
  type BlueButtonLoginOptions,
  type BlueButtonLogoutOptions,
  type BlueButtonRedirect,
} from './sessions/login-flow.service.js';
export type { BlueButtonHttpRequest } from './request/http-request.js';
export { BlueButtonRequestContext } from './sessions/request-context.js';
