import {
  Get,
  Inject,
  Injectable,
  Post,
  RequestMethod,
  Version,
  VERSION_NEUTRAL,
  VersioningType,
  type Type,
} from '@nestjs/common';
import { addLeadingSlash, MODULE_PATH } from '@nestjs/common/internal';
import { ApplicationConfig, ModulesContainer } from '@nestjs/core';
import { RoutePathFactory } from '@nestjs/core/router/route-path-factory.js';
import { BlueButtonConfig } from '../../config/bluebutton-config.js';
import type { BlueButtonRoutesVersion } from '../../config/bluebutton-options.interface.js';
import { BlueButtonConfigError } from '../../errors/bluebutton.errors.js';
import { BuiltInRoutePaths } from '../sessions/built-in-route-paths.js';
import type { BuiltInRoutesController } from './routes.controller.js';

/** Injection token of this registration's {@link createRoutesController} class. */
export const BUILT_IN_ROUTES_CONTROLLER = Symbol('BLUEBUTTON_BUILT_IN_ROUTES_CONTROLLER');

/** A callback path the routers read literally: no `:param`, `*wildcard`, `{optional}` or encoding. */
const PLAIN_PATH = /^[A-Za-z0-9\-._~/]*$/;

type ServedPaths = (declared: string, method: RequestMethod) => string[];

/** What the app puts around its routes' paths. */
interface RoutingShape {
  prefix: string;
  modulePath?: string;
  uriVersion?: unknown;
}

/**
 * Gives the built-in routes their paths, and checks that the callback route answers at
 * `callbackUrl`. It runs from `BlueButtonModule.configure()`: the only moment that comes after
 * `app.setGlobalPrefix()` / `app.enableVersioning()` and before Nest maps the controllers' routes.
 * The served paths are computed by Nest's own `RoutePathFactory` (prefix and its `exclude`,
 * `RouterModule` path, URI version), so they are what the router will register, not a guess.
 */
@Injectable()
export class BuiltInRoutesMounter {
  /** Created by Nest. */
  constructor(
    private readonly config: BlueButtonConfig,
    private readonly paths: BuiltInRoutePaths,
    private readonly appConfig: ApplicationConfig,
    private readonly modules: ModulesContainer,
    @Inject(BUILT_IN_ROUTES_CONTROLLER)
    private readonly controller: Type<BuiltInRoutesController>,
  ) {}

  /** Mounts the routes (when they are on) under `moduleClass`'s routing; throws if the callback cannot agree. */
  mount(moduleClass: Type): void {
    const routes = this.config.routes;
    if (!routes) return;
    const versioning = this.appConfig.getVersioning();
    const uri = versioning?.type === VersioningType.URI;
    // A browser that follows a redirect sends no version header: only URI versioning can apply.
    const version = routes.version ?? (versioning && !uri ? VERSION_NEUTRAL : undefined);
    const shape: RoutingShape = {
      prefix: this.appConfig.getGlobalPrefix(),
      modulePath: this.modulePath(moduleClass),
      uriVersion: uri ? (version ?? versioning.defaultVersion) : undefined,
    };
    const factory = new RoutePathFactory(this.appConfig);
    const served: ServedPaths = (declared, method) =>
      factory.create(
        {
          ctrlPath: '/',
          methodPath: declared,
          modulePath: shape.modulePath,
          globalPrefix: addLeadingSlash(shape.prefix),
          controllerVersion: versioning?.defaultVersion,
          methodVersion: version,
          versioningOptions: versioning,
        },
        method,
      );

    const callback = this.callbackRoute(served, shape);
    const proto = this.controller.prototype;
    // `undefined` is set too: the routes then take the controller's (the app's default) version.
    const versioned = Version(version as BlueButtonRoutesVersion);
    decorate(proto, 'login', Get(routes.login), versioned);
    decorate(proto, 'callback', Get(callback), versioned);
    decorate(proto, 'logout', Post(routes.logout), versioned);
    decorate(proto, 'refuseLogoutByGet', Get(routes.logout), versioned);
    this.paths.login = served(routes.login, RequestMethod.GET)[0];
    this.paths.logout = served(routes.logout, RequestMethod.POST)[0];
  }

  /**
   * The path to declare the callback route with, so that the app serves it at `callbackUrl`'s path:
   * that path itself (unprefixed, excluded from the prefix…) or the tail of it under the app's
   * prefix, module path and version. Throws one error naming both when no declaration can agree.
   */
  private callbackRoute(served: ServedPaths, shape: RoutingShape): string {
    const callbackUrl = this.config.callbackUrl;
    const wanted = stripEndSlash(new URL(callbackUrl).pathname);
    if (!PLAIN_PATH.test(wanted)) {
      throw callbackError(
        `is ${callbackUrl}: for the built-in callback route its path may only hold letters, digits, "-", ".", "_", "~" and "/" (routers read ":", "*", "{" and "%" as patterns)`,
      );
    }
    const segments = wanted.split('/').filter(Boolean);
    for (let dropped = 0; dropped <= segments.length; dropped++) {
      const declared = `/${segments.slice(dropped).join('/')}`;
      if (served(declared, RequestMethod.GET).includes(wanted)) return declared;
    }
    const wouldServe = served(wanted, RequestMethod.GET)[0];
    const suggested = new URL(callbackUrl);
    suggested.pathname = wouldServe;
    const under = [
      shape.prefix && `global prefix "${shape.prefix}"`,
      shape.modulePath && `RouterModule path "${shape.modulePath}"`,
      shape.uriVersion && `version ${JSON.stringify(shape.uriVersion)}`,
    ].filter(Boolean);
    const or = [
      shape.prefix && `exclude "${wanted.slice(1)}" from the global prefix`,
      shape.uriVersion && 'set routes.version (VERSION_NEUTRAL for none)',
    ].filter(Boolean);
    throw callbackError(
      `is ${callbackUrl}, but under this app's ${under.join(', ') || 'routing'} the built-in callback route ` +
        `answers at ${wouldServe}, never at ${wanted}. Set callbackUrl (and the redirect URI ` +
        `registered at Blue Button) to ${suggested.href}${or.length ? `, or ${or.join(', or ')}` : ''}.`,
    );
  }

  /** The path `RouterModule` gave the module, read the way Nest's router reads it. */
  private modulePath(moduleClass: Type): string | undefined {
    return (Reflect.getMetadata(MODULE_PATH + this.modules.applicationId, moduleClass) ??
      Reflect.getMetadata(MODULE_PATH, moduleClass)) as string | undefined;
  }
}

/** Applies method decorators to an existing method of `proto`, as `@Get()` etc. would have. */
function decorate(proto: object, key: string, ...decorators: MethodDecorator[]): void {
  const descriptor = Object.getOwnPropertyDescriptor(proto, key)!;
  for (const decorator of decorators) decorator(proto, key, descriptor);
}

function stripEndSlash(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

function callbackError(reason: string): BlueButtonConfigError {
  return new BlueButtonConfigError([{ key: 'callbackUrl', reason }]);
}
