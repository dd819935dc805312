import { Logger, type Provider } from '@nestjs/common';
import { LOG_CONTEXT } from '../common/bluebutton.constants.js';
import { BlueButtonTelemetry } from './telemetry.js';

/** Imports `@opentelemetry/api`; replaceable in tests. */
export type ApiImporter = () => Promise<unknown>;

const importApi: ApiImporter = () => import('@opentelemetry/api');

/**
 * The telemetry for this app: OpenTelemetry when `@opentelemetry/api` can be imported, else
 * {@link BlueButtonTelemetry.disabled}. The API is an optional peer, so it is only ever imported
 * here, dynamically; when it is missing nothing else is loaded and nothing is logged.
 */
export async function loadTelemetry(
  importer: ApiImporter = importApi,
): Promise<BlueButtonTelemetry> {
  let loaded: unknown;
  try {
    loaded = await importer();
  } catch (error) {
    if (!notInstalled(error)) {
      new Logger(LOG_CONTEXT).warn(
        `@opentelemetry/api is installed but could not be loaded; telemetry is off (${describe(error)})`,
      );
    }
    return BlueButtonTelemetry.disabled;
  }
  // A CommonJS build seen through `import()` may put everything on `default`.
  const api = [loaded, (loaded as { default?: unknown } | undefined)?.default].find(hasApi);
  if (!api) return BlueButtonTelemetry.disabled;
  const { OtelTelemetry } = await import('./otel-telemetry.js');
  return new OtelTelemetry(api as ConstructorParameters<typeof OtelTelemetry>[0]);
}

/** Provides {@link BlueButtonTelemetry} to the module's services (resolved once, at startup). */
export const TELEMETRY_PROVIDER: Provider = {
  provide: BlueButtonTelemetry,
  useFactory: () => loadTelemetry(),
};

function hasApi(value: unknown): boolean {
  const api = value as
    | { trace?: { getTracerProvider?: unknown }; metrics?: { getMeterProvider?: unknown } }
    | undefined;
  return (
    typeof api?.trace?.getTracerProvider === 'function' &&
    typeof api.metrics?.getMeterProvider === 'function'
  );
}

/** Node's not-found error, also when a loader (a bundler, a test runner) wraps it as a `cause`. */
function notInstalled(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return true;
  }
  return false;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.name : 'unknown error';
}
