import { Injectable } from '@nestjs/common';
import { BlueButtonConfig } from '../../config/bluebutton-config.js';

/**
 * Where the built-in routes answer, as a browser sees them. Until the app's routing is known (a bare
 * application context, or before `app.init()`) these are the paths as configured; once the routes
 * are mounted, they include the global prefix, the `RouterModule` path and the URI version.
 */
@Injectable()
export class BuiltInRoutePaths {
  /** The login route, for the `loginUrl` of 401 answers; undefined when the routes are off. */
  login?: string;
  /** The logout route; undefined when the routes are off. */
  logout?: string;

  /** Created by Nest. */
  constructor(config: BlueButtonConfig) {
    this.login = config.routes?.login;
    this.logout = config.routes?.logout;
  }
}
