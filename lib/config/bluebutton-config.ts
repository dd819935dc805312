import { inspect } from 'node:util';
import type { BlueButtonVersion } from './bluebutton-options.interface.js';
import { BlueButtonOptionsDto } from './bluebutton-options.dto.js';
import { ENVIRONMENT_BASE_URLS } from './config.defaults.js';
import { frozenSettings, type Frozen } from './setting-metadata.js';

/**
 * The fields of a {@link BlueButtonConfig}: every setting of `BlueButtonOptionsDto`, read-only, with
 * its default applied, `baseUrl` resolved from the environment, and the file it came from.
 */
export type BlueButtonConfigFields = Frozen<Omit<BlueButtonOptionsDto, 'baseUrl'>> & {
  /** Origin (plus any proxy path prefix) of Blue Button, without a trailing slash. */
  readonly baseUrl: string;
  /** The file the configuration was read from, if any. */
  readonly source?: string;
};

// Gives BlueButtonConfig the fields' types without listing them again: the constructor sets them.
const ConfigFields = class {} as new () => BlueButtonConfigFields;

/** The validated, normalized, frozen configuration every service of the module reads. */
export class BlueButtonConfig extends ConfigFields {
  /** Builds a frozen config; the client and session secrets are stored as non-enumerable properties. */
  constructor(fields: BlueButtonConfigFields) {
    super();
    const { clientSecret, session, ...rest } = fields;
    Object.assign(this, rest);
    Object.defineProperty(this, 'clientSecret', { value: clientSecret, enumerable: false });
    // The session secret is a key too: keep it out of enumeration as well.
    const { secret, ...publicSession } = session;
    Object.defineProperty(publicSession, 'secret', { value: secret, enumerable: false });
    Object.assign(this, { session: Object.freeze(publicSession) });
    Object.freeze(this);
  }

  /** `{baseUrl}/v{version}`: the prefix of every API path of the configured version. */
  get apiBaseUrl(): string {
    return this.apiBaseUrlFor(this.version);
  }

  /** `{baseUrl}/v{version}` for another version (a token's, a login's). */
  apiBaseUrlFor(version: BlueButtonVersion): string {
    return `${this.baseUrl}/v${version}`;
  }

  /** Safe view for logs: secrets replaced by `[redacted]`. */
  toJSON(): Record<string, unknown> {
    return { ...(this as object), clientSecret: '[redacted]' };
  }

  /** `console.log(config)` shows the safe view. */
  [inspect.custom](): string {
    return `BlueButtonConfig ${inspect(this.toJSON())}`;
  }
}

/** The configuration of validated settings: defaults applied, the environment's host filled in. */
export function toBlueButtonConfig(
  settings: BlueButtonOptionsDto,
  source: string | undefined,
): BlueButtonConfig {
  const fields = frozenSettings(settings);
  return new BlueButtonConfig({
    ...fields,
    baseUrl: fields.baseUrl ?? ENVIRONMENT_BASE_URLS[fields.environment],
    source,
  });
}
