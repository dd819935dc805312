import { Controller, Get, Redirect, Req, Res } from '@nestjs/common';
import { BlueButtonLoginFlow, type BlueButtonHttpRequest } from 'nestjs-bluebutton';
import { SAMPLE_V3_LOGIN, SAMPLE_V3_SCOPES } from './sample.constants.js';

/**
 * "Connect through Blue Button API v3": the package's login handling (state, PKCE, browser
 * binding) for a v3 authorization with its scopes. The built-in callback completes it at v3, so
 * this visitor's token is a v3 one while other visitors stay on v2.
 */
@Controller()
export class V3LoginController {
  /** Created by Nest. */
  constructor(private readonly flow: BlueButtonLoginFlow) {}

  /** Redirects to Blue Button's v3 authorize page (`?returnTo=/claims` comes back after it). */
  @Get(SAMPLE_V3_LOGIN)
  @Redirect()
  login(@Req() req: BlueButtonHttpRequest, @Res({ passthrough: true }) res: unknown) {
    return this.flow.login(req, res, { version: 3, scopes: SAMPLE_V3_SCOPES });
  }
}
