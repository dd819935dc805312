import type { BlueButtonEnvironment } from './bluebutton-options.interface.js';
import { BlueButtonOptionsDto } from './bluebutton-options.dto.js';
import { settingDefaults, type SettingsDefaults } from './setting-metadata.js';

/** The host of each environment (the official SDKs use the same four). */
export const ENVIRONMENT_BASE_URLS: Readonly<Record<BlueButtonEnvironment, string>> = Object.freeze(
  {
    SANDBOX: 'https://sandbox.bluebutton.cms.gov',
    PRODUCTION: 'https://api.bluebutton.cms.gov',
    TEST: 'https://test.bluebutton.cms.gov',
    LOCAL: 'http://localhost:8000',
  },
);

/**
 * The default of every setting that has one, read from {@link BlueButtonOptionsDto} and deeply
 * frozen. A group's entry holds its keys' defaults (`routes`: what `routes: true` gives).
 */
export const CONFIG_DEFAULTS: SettingsDefaults<BlueButtonOptionsDto> =
  settingDefaults(BlueButtonOptionsDto);
