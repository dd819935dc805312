// Case 6: the daily re-sync of 1,000 beneficiaries at 40 ms emulator latency, 5 % of whom got new
// claims since the day before. Incremental (`FhirService.sync()` from each beneficiary's watermark)
// against a full re-pull (the same pass without a watermark), side by side on the same server state:
// FHIR requests, bytes on the wire and wall time, with the same number of beneficiaries in flight.
import dc from 'node:diagnostics_channel';
import { lastValueFrom, tap } from 'rxjs';
import { bootOurs, ourToken } from '../support/ours.mjs';
import { EmulatorProcess } from '../support/emulator-process.mjs';
import { progress, rotation, summarize } from '../support/stats.mjs';

const ROUNDS = Number(process.env.BENCH_SYNC_ROUNDS ?? 2);
const BENEFICIARIES = Number(process.env.BENCH_SYNC_BENEFICIARIES ?? 1000);
const LATENCY_MS = 40;
const CHANGED_SHARE = 0.05;
/** Beneficiaries in flight at once (e.g. 4 app instances × BlueButtonSyncModule concurrency 8). */
const CONCURRENCY = 32;
const FHIR = '/v2/fhir/';
/** The sandbox's Part D users: carrier and inpatient claims plus 8–40 Part D events each. */
const USERS = Array.from({ length: BENEFICIARIES }, (_, i) => `BBUser${20000 + i}`);

// Bytes received on every client socket of this process (the emulator runs in another one).
let wireBytes = 0;
dc.subscribe('net.client.socket', ({ socket }) => socket.on('data', d => (wireBytes += d.length)));

const emu = await EmulatorProcess.start({ latencyMs: LATENCY_MS });
const control = async (path, body) => {
  const res = await fetch(`${emu.baseUrl}/__emulator/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res.json();
};
const ours = await bootOurs(emu);
// One consent per beneficiary, minted by the emulator in one call (no HTTP login per user).
const minted = await control('tokens', { tokens: USERS.map(user => ({ user })) });
const tokens = minted.tokens.map(json => ourToken(json));

/** One pass for beneficiary `i`: the resources it delivered and its `done` event. */
async function pass(i, since) {
  const delivered = [];
  let done;
  await lastValueFrom(
    ours.fhir
      .sync(tokens[i], { since })
      .pipe(
        tap(e =>
          e.kind === 'resource' ? delivered.push(`${e.resourceType}/${e.resource.id}`) : (done = e),
        ),
      ),
  );
  return { delivered, done };
}

/** Passes for every beneficiary, CONCURRENCY at a time; returns them with requests, bytes, time. */
async function day(sinceOf) {
  await emu.clearRequests();
  const results = Array.from({ length: BENEFICIARIES });
  let next = 0;
  const worker = async () => {
    while (next < BENEFICIARIES) {
      const i = next++;
      results[i] = await pass(i, sinceOf(i));
    }
  };
  const bytes0 = wireBytes;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const ms = performance.now() - t0;
  const bytes = wireBytes - bytes0;
  return { results, ms, bytes, requests: await emu.count(FHIR, 'GET') };
}

// Day 0, not measured: the first full pull gives every beneficiary a watermark.
const day0 = await day(() => undefined);
let watermarks = day0.results.map(r => r.done.watermark);
let total = day0.results.reduce((n, r) => n + r.delivered.length, 0);
progress(`sync day 0: ${total} resources, ${day0.requests} requests, ${day0.ms.toFixed(0)} ms`);

const contenders = [
  {
    key: 'incremental',
    label: 'incremental: sync() from each watermark',
    since: i => watermarks[i],
  },
  { key: 'full', label: 'full re-pull: the same pass without a watermark', since: () => undefined },
];
const samples = Object.fromEntries(
  contenders.map(c => [c.key, { ms: [], bytes: [], requests: [] }]),
);
const checks = [];
const changedCount = Math.round(BENEFICIARIES * CHANGED_SHARE);
for (let r = 0; r < ROUNDS; r++) {
  // The night's load: new claims for a different 5 % every day.
  const changed = Array.from(
    { length: changedCount },
    (_, k) => (r * changedCount + k * 20 + 7) % BENEFICIARIES,
  );
  const load = await control('claims', {
    loads: changed.map(i => ({ user: USERS[i], add: { carrier: 1, pde: 1 } })),
  });
  const added = load.beneficiaries.flatMap(b => b.added.map(c => `ExplanationOfBenefit/${c.id}`));
  total += added.length;
  for (const c of rotation(contenders, r)) {
    const run = await day(c.since);
    const delivered = run.results.flatMap(x => x.delivered);
    // Same answer on the same state: the incremental pass brings exactly the loaded claims, the
    // full re-pull everything the emulator has (day 0 plus every load so far).
    const ok =
      c.key === 'incremental'
        ? delivered.length === added.length &&
          [...delivered].sort().join() === [...added].sort().join()
        : delivered.length === total;
    checks.push({ contender: c.key, round: r, delivered: delivered.length, ok });
    if (!ok) throw new Error(`${c.key} round ${r}: delivered ${delivered.length} resources`);
    if (c.key === 'incremental') watermarks = run.results.map(x => x.done.watermark);
    samples[c.key].ms.push(run.ms);
    samples[c.key].bytes.push(run.bytes);
    samples[c.key].requests.push(run.requests);
    progress(
      `sync round ${r + 1}/${ROUNDS} ${c.key}: ${run.requests} requests, ${(run.bytes / 1e6).toFixed(1)} MB, ${run.ms.toFixed(0)} ms`,
    );
  }
}

await ours.close();
await emu.close();

const perRound = key => samples.full[key].map((v, i) => v / samples.incremental[key][i]);
console.log(
  JSON.stringify({
    rounds: ROUNDS,
    beneficiaries: BENEFICIARIES,
    changed: changedCount,
    latencyMs: LATENCY_MS,
    concurrency: CONCURRENCY,
    resources: total,
    day0: { requests: day0.requests, bytes: day0.bytes, ms: day0.ms },
    contenders: contenders.map(c => ({
      key: c.key,
      label: c.label,
      ms: summarize(samples[c.key].ms),
      bytes: summarize(samples[c.key].bytes),
      requests: summarize(samples[c.key].requests),
    })),
    ratios: {
      requests: summarize(perRound('requests')),
      bytes: summarize(perRound('bytes')),
      wall: summarize(perRound('ms')),
    },
    checks: { all: checks.length, ok: checks.filter(c => c.ok).length },
  }),
);
