export { BlueButtonToken, type BlueButtonTokenOptions } from './bluebutton-token.decorator.js';
export { RequireScopes, RequiredScopes } from './require-scopes.decorator.js';
export { BlueButtonScopeGuard, MissingScopesException } from './scope.guard.js';
export { BlueButtonExceptionFilter, type BlueButtonErrorAnswer } from './exception.filter.js';
export { BlueButtonSessions } from './bluebutton-sessions.service.js';
export {
  BlueButtonLoginFlow,
  type BlueButtonCallbackOptions,
  type BlueButtonCallbackRedirect,
  type BlueButtonLoginErrorCode,
  type BlueButtonLoginOptions,
  type BlueButtonLogoutOptions,
  type BlueButtonRedirect,
} from './login-flow.service.js';
export type { BlueButtonHttpRequest } from './http-request.js';
export { BlueButtonRequestContext } from './request-context.js';
