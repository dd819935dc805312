#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BlueButtonEmulator } from './emulator.js';
import type { BlueButtonEmulatorOptions } from './emulator.options.js';
import type { EmulatorBeneficiary } from './data/beneficiaries.js';

const USAGE = `Usage: bluebutton-emulator [options]

Starts a local Blue Button 2.0 emulator (OAuth2 + FHIR, synthetic data).

  --port <n>             port (default 8000, where the official SDKs' LOCAL env points; 0 = any)
  --host <addr>          interface to bind (default 127.0.0.1)
  --redirect-uri <uri>   redirect URI of the ready-made client (repeatable;
                         default http://localhost:3000/callback)
  --seed <s>             data seed (default "bluebutton")
  --v3                   serve /v3 as well
  --latency <ms>         delay every FHIR/userinfo response
  --latency-per-entry <ms>  and add this much per entry of a Bundle answer
  --expires-in <s>       access-token lifetime (default 3600)
  --rate-limit <r>       per-token throttle, e.g. 100/min (default 100000/s)
  --claim-counts <csv>   synthetic_users_by_claim_count_full.csv, for per-user claim counts
  --heavy <user>:<n>     give a user n EOBs, e.g. BBUser20000:10000 (repeatable)
  -h, --help             this help
`;

function int(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer`);
  return n;
}

/** Parses the command line into emulator options (throws with a message on bad input). */
export function parseCliArgs(argv: string[]): BlueButtonEmulatorOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      seed: { type: 'string' },
      v3: { type: 'boolean' },
      latency: { type: 'string' },
      'latency-per-entry': { type: 'string' },
      'expires-in': { type: 'string' },
      'rate-limit': { type: 'string' },
      'claim-counts': { type: 'string' },
      heavy: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const beneficiaries: EmulatorBeneficiary[] = (values.heavy ?? []).map(spec => {
    const m = /^(BBUser\d{5}):(\d+)$/i.exec(spec);
    if (!m) throw new Error(`--heavy expects BBUserNNNNN:count, got "${spec}"`);
    return { username: m[1] as string, eobCount: Number(m[2]) };
  });
  return {
    port: int('port', values.port) ?? 8000,
    host: values.host,
    redirectUris: values['redirect-uri'],
    seed: values.seed,
    v3Enabled: values.v3 ?? false,
    latencyMs: int('latency', values.latency),
    latencyPerEntryMs: int('latency-per-entry', values['latency-per-entry']),
    expiresIn: int('expires-in', values['expires-in']),
    rateLimit: values['rate-limit'],
    claimCountsCsv: values['claim-counts'],
    beneficiaries,
  };
}

/** Starts the emulator for the command line and prints how to use it. */
export async function runCli(
  argv: string[],
  print: (line: string) => void = line => console.log(line),
): Promise<BlueButtonEmulator | undefined> {
  const options = parseCliArgs(argv);
  if (options === 'help') {
    print(USAGE);
    return undefined;
  }
  const emu = await BlueButtonEmulator.start(options);
  const c = emu.client;
  print(`Blue Button 2.0 emulator listening on ${emu.baseUrl}`);
  print(`  client_id:     ${c.clientId}`);
  print(`  client_secret: ${c.clientSecret}`);
  print('                 (a throwaway client of this local emulator, not a real credential)');
  print(`  redirect URIs: ${c.redirectUris.join(' ')}`);
  print(
    '  users:         BBUser00000 / PW00000! … BBUser09999 / PW09999! (BBUser00000 has 52 EOBs)',
  );
  print('                 BBUser20000 / PW20000! … BBUser29999 / PW29999! have Part D drug events');
  print(`  claims loads:  POST ${emu.baseUrl}/__emulator/claims`);
  print(`  API versions:  /v1 /v2${options.v3Enabled ? ' /v3' : ''}`);
  print(`  requests log:  ${emu.baseUrl}/__emulator/requests`);
  print('Press Ctrl+C to stop.');
  return emu;
}

function isMain(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  runCli(process.argv.slice(2))
    .then(emu => {
      if (!emu) return;
      const stop = () => {
        emu.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    })
    .catch((err: unknown) => {
      console.error(`bluebutton-emulator: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    });
}
