import { Controller, Header, Inject, Redirect, Req, Res, type Type } from '@nestjs/common';
import type { BlueButtonHttpRequest } from '../request/http-request.js';
import { BlueButtonLoginFlow, type BlueButtonRedirect } from '../sessions/login-flow.service.js';

/** The handlers of the built-in routes, named as {@link BuiltInRoutesMounter} decorates them. */
export interface BuiltInRoutesController {
  login(req: BlueButtonHttpRequest, res: unknown): Promise<BlueButtonRedirect>;
  callback(req: BlueButtonHttpRequest, res: unknown): Promise<BlueButtonRedirect>;
  logout(req: BlueButtonHttpRequest, res: unknown): Promise<BlueButtonRedirect>;
  refuseLogoutByGet(req: BlueButtonHttpRequest, res: unknown): Promise<BlueButtonRedirect>;
}

/**
 * A new class of the controller that serves the built-in login, callback and logout routes, one per
 * module registration. Its handlers carry no path yet: their paths depend on the configuration and
 * on the app's routing, so {@link BuiltInRoutesMounter} attaches them when the app initialises, and
 * a class of its own per registration keeps two apps in one process from sharing them. Without
 * paths (routes off), Nest maps no route.
 */
export function createRoutesController(): Type<BuiltInRoutesController> {
  @Controller()
  class BlueButtonRoutesController implements BuiltInRoutesController {
    /** Created by Nest. */
    constructor(@Inject(BlueButtonLoginFlow) private readonly flow: BlueButtonLoginFlow) {}

    /** Redirects to Blue Button. */
    @Redirect()
    @Header('Cache-Control', 'no-store')
    login(@Req() req: BlueButtonHttpRequest, @Res({ passthrough: true }) res: unknown) {
      return this.flow.login(req, res);
    }

    /** Completes the login Blue Button redirected back with. */
    @Redirect()
    @Header('Cache-Control', 'no-store')
    callback(@Req() req: BlueButtonHttpRequest, @Res({ passthrough: true }) res: unknown) {
      return this.flow.callback(req, res);
    }

    /** Ends the session and revokes the grant. */
    @Redirect()
    @Header('Cache-Control', 'no-store')
    logout(@Req() req: BlueButtonHttpRequest, @Res({ passthrough: true }) res: unknown) {
      return this.flow.logout(req, res);
    }

    /** A GET on the logout path: answered 405 by the flow, rather than a 404. */
    @Redirect()
    refuseLogoutByGet(@Req() req: BlueButtonHttpRequest, @Res({ passthrough: true }) res: unknown) {
      return this.flow.logout(req, res);
    }
  }
  return BlueButtonRoutesController;
}
