import { Controller, Get, Post, Redirect, Req, Res } from '@nestjs/common';
import { Throttle } from '@nestjs/throttler';
import { BlueButtonLoginFlow, type BlueButtonHttpRequest } from 'nestjs-bluebutton';

/**
 * The login routes in the app's own controller (the `routes` option left off): its paths, its
 * guards, its limits — with the package's handling, login binding and session included.
 */
@Controller('auth')
export class LoginController {
  constructor(private readonly flow: BlueButtonLoginFlow) {}

  /** Every visit writes a pending login to the store: at most 5 a minute per client. */
  @Get('login')
  @Throttle({ default: { limit: 5, ttl: 60_000 } })
  @Redirect()
  login(@Req() req: BlueButtonHttpRequest, @Res({ passthrough: true }) res: unknown) {
    return this.flow.login(req, res); // ?returnTo=/claims comes back after the callback
  }

  /** The path of `callbackUrl`. */
  @Get('callback')
  @Redirect()
  callback(@Req() req: BlueButtonHttpRequest, @Res({ passthrough: true }) res: unknown) {
    return this.flow.callback(req, res, { successRedirect: '/claims', failureRedirect: '/' });
  }

  /** A form's POST from a page of this site (405 for a GET, 403 for a cross-site POST). */
  @Post('logout')
  @Redirect()
  logout(@Req() req: BlueButtonHttpRequest, @Res({ passthrough: true }) res: unknown) {
    return this.flow.logout(req, res, { redirect: '/' });
  }
}
