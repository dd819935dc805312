import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileForChild, run, type ChildBuild } from '../support/child-build.js';
import { flood, gzipBomb, HostileServer, json, type Answer } from '../support/hostile-server.js';
import { SecretLedger } from '../support/secret-ledger.js';
import { recordWireSecrets, TEST_MAX_BYTES } from './harness.js';

/**
 * The attacks whose target is memory, each run in its own Node process (test/hostile/child/probe.ts)
 * so that none can take the runner down: the child reports its RSS before the attack and its peak
 * RSS (the kernel's maxRSS, exact even when the event loop is blocked); the delta is an upper bound
 * of what the attack cost. Children run with a 384 MB heap and a 30 s deadline, so a regression
 * shows as a failed test, not as a machine out of memory.
 */

const PROBE = 'test/hostile/child/probe.ts';
const MiB = 1024 * 1024;
/**
 * What a bounded attack may cost. Reading 1 MiB (TEST_MAX_BYTES) costs a few MiB of buffers and
 * zlib state; every attack below would cost hundreds of MiB, or the process, if it were unbounded.
 */
const MAX_RSS_DELTA = 24 * MiB;
const EOB = '/v2/fhir/ExplanationOfBenefit';

let server: HostileServer;
let build: ChildBuild;
const ledger = new SecretLedger();
const secrets = {
  PROBE_CLIENT_SECRET: ledger.secret('client-secret'),
  PROBE_ACCESS_TOKEN: ledger.secret('access'),
  PROBE_REFRESH_TOKEN: ledger.secret('refresh'),
  PROBE_CODE: ledger.secret('code'),
};

interface ProbeResult {
  outcome: string;
  rssBefore: number;
  peakRss: number;
  texts: string[];
}

/** Runs one attack in a child process against `server`; returns what it reported. */
async function probe(
  attack: string,
  extra: Record<string, string> = {},
): Promise<ProbeResult & { delta: number }> {
  const { code, signal, output } = await run(
    process.execPath,
    ['--expose-gc', '--max-old-space-size=384', build.entry(PROBE)],
    {
      env: {
        PATH: process.env.PATH,
        PROBE_ATTACK: attack,
        PROBE_BASE_URL: server.baseUrl,
        PROBE_MAX_BYTES: String(TEST_MAX_BYTES),
        PROBE_MAX_PAGES: '100',
        ...secrets,
        ...extra,
      },
      timeoutMs: 30_000,
    },
  );
  const line = output.split('\n').find(l => l.startsWith('PROBE_RESULT '));
  if (!line) {
    throw new Error(
      `the probe died (exit ${code}, signal ${signal}) during "${attack}":\n${output.slice(-3000)}`,
    );
  }
  const result = JSON.parse(line.slice('PROBE_RESULT '.length)) as ProbeResult;
  ledger.text(...result.texts);
  const delta = result.peakRss - result.rssBefore;
  console.info(
    `[hostile memory] ${attack}: ${result.outcome}; peak RSS − RSS before = ${(delta / MiB).toFixed(1)} MiB`,
  );
  return { ...result, delta };
}

/** A small valid search answer (the probe's warm-up request). */
const smallBundle = json(200, { resourceType: 'Bundle', type: 'searchset', total: 0, entry: [] });

/**
 * Answers page requests strictly in `startIndex` order, each page with one resource of its own, so
 * the number of requests a paginator sends is deterministic.
 */
function pagesInOrder(): Answer {
  let next = 1;
  const waiting = new Map<number, () => void>();
  return async (req, res) => {
    const start = Number(req.url.searchParams.get('startIndex'));
    if (start !== next) await new Promise<void>(resolve => waiting.set(start, resolve));
    res.writeHead(200, { 'Content-Type': 'application/fhir+json' });
    res.end(JSON.stringify(page(`eob-${start}`)));
    waiting.get(++next)?.();
  };
}

function page(id: string, nextUrl?: string) {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    entry: [{ resource: { resourceType: 'ExplanationOfBenefit', id } }],
    link: nextUrl ? [{ relation: 'next', url: nextUrl }] : [],
  };
}

beforeAll(async () => {
  [server, build] = await Promise.all([
    HostileServer.start(),
    compileForChild([PROBE], 'hostile-probe'),
  ]);
}, 60_000);
afterEach(() => recordWireSecrets(server, ledger));
beforeEach(() => {
  server.reset();
  server.route('/v2/fhir/Coverage', smallBundle);
});
afterAll(async () => {
  build?.remove();
  await server?.close();
  ledger.expectClean('memory (child processes)');
});

describe('response size (family 1): the body stops at maxResponseBytes, decompressed, while it streams', () => {
  it.each([
    ['a 128 MiB body with its Content-Length', flood(128 * MiB, { contentLength: true })],
    ['an endless chunked body', flood(Infinity)],
    ['a gzip bomb: 4 MB inflating to 4 GiB', gzipBomb(4096 * MiB)],
  ])('%s → ResponseTooLargeError after 1 request, RSS bounded', async (_, answer) => {
    server.route(EOB, answer);
    const result = await probe('get');
    expect(result.outcome).toBe('BB_RESPONSE_TOO_LARGE');
    expect(server.requestsTo(EOB)).toHaveLength(1);
    expect(result.delta).toBeLessThan(MAX_RSS_DELTA);
  });

  it('a 128 MiB token answer → ResponseTooLargeError after 1 POST, RSS bounded', async () => {
    server.route('/v2/o/token/', flood(128 * MiB, { contentLength: true }));
    const result = await probe('exchange');
    expect(result.outcome).toBe('BB_RESPONSE_TOO_LARGE');
    expect(server.requestsTo('/v2/o/token/')).toHaveLength(1);
    expect(result.delta).toBeLessThan(MAX_RSS_DELTA);
  });
});

describe('pagination (families 2 and 3)', () => {
  it('a first page promising 5,000,000 pages, of which the consumer takes 5: 5 requests, RSS bounded', async () => {
    server.route(EOB, pagesInOrder());
    const first = {
      ...page('eob-0', `${server.baseUrl}${EOB}?_count=1&startIndex=1`),
      total: 5_000_000,
    };
    const result = await probe('stream-pages', { PROBE_FIRST_PAGE: JSON.stringify(first) });
    expect(result.outcome).toBe('completed 5 pages');
    // pageConcurrency 2: pages 1–4 emitted, page 5 already requested when the consumer stops.
    expect(server.requestsTo(EOB)).toHaveLength(5);
    expect(result.delta).toBeLessThan(MAX_RSS_DELTA);
  });

  it('next links that never end (a new dummy parameter and a new resource each time) → PaginationError at the cap', async () => {
    server.route(EOB, (req, res, n) => {
      res.writeHead(200, { 'Content-Type': 'application/fhir+json' });
      res.end(JSON.stringify(page(`eob-${n + 1}`, `${server.baseUrl}${EOB}?dummy=${n + 1}`)));
    });
    const first = page('eob-0', `${server.baseUrl}${EOB}?dummy=0`);
    const result = await probe('get-pages', { PROBE_FIRST_PAGE: JSON.stringify(first) });
    expect(result.outcome).toBe('BB_PAGINATION');
    // maxPages 100: the first page (given) plus 99 fetched, then the error instead of page 101.
    expect(server.requestsTo(EOB)).toHaveLength(99);
    expect(result.delta).toBeLessThan(MAX_RSS_DELTA);
  });
});

describe('configuration (family 8)', () => {
  it('a YAML alias bomb in scopes → BlueButtonConfigError at once, RSS bounded', async () => {
    const levels = 'abcdefghi'.split('');
    const lines = [
      'client_id: hostile-probe-client',
      `client_secret: ${ledger.secret('yaml-secret')}`,
      'callback_url: http://127.0.0.1:3999/bluebutton/callback',
      `x${levels[0]}: &${levels[0]} [${Array(9).fill('"patient/Patient.rs"').join(', ')}]`,
      ...levels
        .slice(1)
        .map((l, i) => `x${l}: &${l} [${Array(9).fill(`*${levels[i]}`).join(', ')}]`),
      `scopes: *${levels.at(-1)}`,
    ];
    const path = join(mkdtempSync(join(tmpdir(), 'bb-hostile-')), 'bomb.yaml');
    writeFileSync(path, `${lines.join('\n')}\n`);
    const result = await probe('config', { PROBE_CONFIG_PATH: path });
    expect(result.outcome).toBe('BB_CONFIG');
    expect(result.texts.join('\n')).toContain('expands to more than 10000 values');
    expect(result.delta).toBeLessThan(MAX_RSS_DELTA);
  });
});
