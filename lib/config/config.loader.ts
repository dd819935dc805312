import { plainToInstance } from 'class-transformer';
import { BlueButtonConfigError, type ConfigIssue } from '../errors/bluebutton.errors.js';
import { BlueButtonConfig, toBlueButtonConfig } from './bluebutton-config.js';
import type { BlueButtonModuleOptions } from './bluebutton-options.interface.js';
import { BlueButtonOptionsDto } from './bluebutton-options.dto.js';
import { readConfigSources } from './config-file.js';
import { scrubSecret, validationIssues } from './config-issues.js';
import { mergeLevels, normalizeKeys, type KeyContext } from './config-keys.js';

/**
 * Turns what the user gave `forRoot`/`forRootAsync` (an object, a file path, or nothing) into a
 * validated {@link BlueButtonConfig}, or throws one {@link BlueButtonConfigError} listing every problem.
 * The steps: read the sources, normalise their keys, merge them (the object over the file),
 * convert and default them with {@link BlueButtonOptionsDto}, validate, freeze.
 */
export function resolveBlueButtonConfig(
  input?: BlueButtonModuleOptions | string | null,
  cwd: string = process.cwd(),
): BlueButtonConfig {
  const { options, file, path } = readConfigSources(input, cwd);
  const issues: ConfigIssue[] = [];
  // The secret is known before any key is looked at, so that no key name that is (part of) it is shown.
  const secret = [options, file]
    .map(level => level.clientSecret ?? level.client_secret)
    .find(v => typeof v === 'string');
  const context: KeyContext = { spelling: new Map(), issues, secret };
  const merged = mergeLevels(
    normalizeKeys(file, BlueButtonOptionsDto, context),
    normalizeKeys(options, BlueButtonOptionsDto, context),
  );

  const settings = plainToInstance(BlueButtonOptionsDto, merged);
  issues.push(...validationIssues(settings, context.spelling));
  if (issues.length) {
    throw scrubSecret(new BlueButtonConfigError(issues, path), settings.clientSecret);
  }
  return toBlueButtonConfig(settings, path);
}
