import { Test, type TestingModule, type TestingModuleBuilder } from '@nestjs/testing';
import {
  AuthorizationToken,
  AuthService,
  BlueButtonConfig,
  BlueButtonModule,
  FhirService,
  type BlueButtonModuleExtras,
  type BlueButtonModuleOptions,
  type StartAuthorizationOptions,
} from 'nestjs-bluebutton';
import { BlueButtonEmulator, type BlueButtonEmulatorOptions } from 'nestjs-bluebutton/testing';
import { firstValueFrom } from 'rxjs';
import { BLUEBUTTON_MODULE_OPTIONS } from '../../lib/bluebutton.module-definition.js';
import { resolveBlueButtonConfig } from '../../lib/config/config.loader.js';

/** Keeps a docs example's own module options, only sending its HTTP calls to the emulator. */
export function toEmulator(
  builder: TestingModuleBuilder,
  emu: Pick<BlueButtonEmulator, 'baseUrl'>,
): TestingModuleBuilder {
  return builder.overrideProvider(BlueButtonConfig).useFactory({
    factory: (options: BlueButtonModuleOptions) =>
      resolveBlueButtonConfig({ ...options, baseUrl: emu.baseUrl }),
    inject: [BLUEBUTTON_MODULE_OPTIONS],
  });
}

/** The callback URL our test apps register with the emulator. */
export const CALLBACK_URL = 'http://127.0.0.1:3999/bluebutton/callback?app=test&x=1';

/** Starts an emulator whose ready-made client accepts {@link CALLBACK_URL}. */
export function startEmulator(
  options: BlueButtonEmulatorOptions = {},
): Promise<BlueButtonEmulator> {
  return BlueButtonEmulator.start({ redirectUris: [CALLBACK_URL], ...options });
}

/** The module options that point at an emulator, with fast retries for tests. */
export function emulatorOptions(
  emu: BlueButtonEmulator,
  overrides: BlueButtonModuleOptions = {},
): BlueButtonModuleOptions {
  return {
    baseUrl: emu.baseUrl,
    clientId: emu.client.clientId,
    clientSecret: emu.client.clientSecret,
    callbackUrl: emu.client.redirectUris[0],
    retrySettings: { total: 3, backoffFactor: 0.01, statusForcelist: [500, 502, 503, 504] },
    timeoutMs: 2000,
    ...overrides,
  };
}

/** A compiled module with the package's services, talking to `emu`. */
export interface BlueButtonHarness {
  moduleRef: TestingModule;
  auth: AuthService;
  fhir: FhirService;
  config: BlueButtonConfig;
  close(): Promise<void>;
}

/** Compiles `BlueButtonModule.forRoot()` against the emulator. */
export async function bootBlueButton(
  emu: BlueButtonEmulator,
  overrides: BlueButtonModuleOptions & BlueButtonModuleExtras = {},
): Promise<BlueButtonHarness> {
  const moduleRef = await Test.createTestingModule({
    imports: [BlueButtonModule.forRoot({ ...emulatorOptions(emu), ...overrides })],
  }).compile();
  await moduleRef.init();
  return {
    moduleRef,
    auth: moduleRef.get(AuthService),
    fhir: moduleRef.get(FhirService),
    config: moduleRef.get(BlueButtonConfig),
    close: () => moduleRef.close(),
  };
}

/** Options of {@link consent}. */
export interface ConsentOptions {
  user?: string;
  decision?: 'allow' | 'deny';
  shareDemographics?: boolean;
  /** The v3 consent page's SAMHSA checkbox (the emulator's default: shared). */
  shareSamhsa?: boolean;
}

/**
 * Follows an authorize URL the way a browser would, answering the consent non-interactively
 * (emulator-only parameters), and returns the callback URL Blue Button redirected to.
 */
export async function consent(authorizeUrl: string, options: ConsentOptions = {}): Promise<URL> {
  const url = new URL(authorizeUrl);
  url.searchParams.set('emulator_user', options.user ?? 'BBUser00000');
  url.searchParams.set('emulator_decision', options.decision ?? 'allow');
  url.searchParams.set('emulator_share_demographics', String(options.shareDemographics ?? true));
  if (options.shareSamhsa !== undefined)
    url.searchParams.set('emulator_share_samhsa', String(options.shareSamhsa));
  const res = await fetch(url, { redirect: 'manual' });
  await res.arrayBuffer();
  const location = res.headers.get('location');
  if (res.status !== 302 || !location)
    throw new Error(`authorize answered HTTP ${res.status}, not a redirect`);
  return new URL(location);
}

/** Logs a beneficiary in through `startAuthorization(start)` / `completeAuthorization`. */
export async function login(
  auth: AuthService,
  options: ConsentOptions = {},
  start: StartAuthorizationOptions = {},
): Promise<AuthorizationToken> {
  const { url } = await firstValueFrom(auth.startAuthorization(start));
  const callback = await consent(url, options);
  const params = Object.fromEntries(callback.searchParams);
  const { token } = await firstValueFrom(auth.completeAuthorization(params));
  return token;
}

/** The same token, but already expired as far as the client can tell (`now`: the client's clock). */
export function expiredCopy(
  token: AuthorizationToken,
  agoMs = 1000,
  now = Date.now(),
): AuthorizationToken {
  return AuthorizationToken.fromJSON({
    ...token.toJSON(),
    expiresAt: new Date(now - agoMs).toISOString(),
  });
}

/** A well-formed token that Blue Button never issued (for tests that stop before the wire). */
export function fakeToken(): AuthorizationToken {
  return AuthorizationToken.fromJSON({
    accessToken: 'fake-access-token',
    refreshToken: 'fake-refresh-token',
    tokenType: 'Bearer',
    expiresIn: 3600,
    expiresAt: new Date(Date.now() + 3600_000).toISOString(),
    scope: ['patient/Coverage.rs'],
    patient: '-19990000000001',
    accessGrantExpiration: null,
  });
}
