// Case 6: the daily re-sync of 1,000 beneficiaries at 40 ms emulator latency, 5 % of whom got new
// claims since the day before. Incremental (`FhirService.sync()` from each beneficiary's watermark)
// against a full re-pull (the same pass without a watermark), side by side on the same server state:
// FHIR requests, bytes on the wire and wall time, with the same number of beneficiaries in flight.
// Two populations: the sandbox's Part D users as the emulator serves them (the targets' scenario),
// and fewer beneficiaries with production-sized histories (about 300 claims per enrollee).
import dc from 'node:diagnostics_channel';
import { lastValueFrom, tap } from 'rxjs';
import { bootOurs, ourToken } from '../support/ours.mjs';
import { EmulatorProcess } from '../support/emulator-process.mjs';
import { progress, rotation, summarize } from '../support/stats.mjs';

const LATENCY_MS = 40;
const CHANGED_SHARE = 0.05;
/** Beneficiaries in flight at once (e.g. 4 app instances × BlueButtonSyncModule concurrency 8). */
const CONCURRENCY = 32;
const FHIR = '/v2/fhir/';
const SCENARIOS = [
  {
    key: 'sandbox',
    label: "of the sandbox's Part D users (carrier, inpatient and 8–40 Part D claims each)",
    beneficiaries: Number(process.env.BENCH_SYNC_BENEFICIARIES ?? 1000),
    rounds: Number(process.env.BENCH_SYNC_ROUNDS ?? 2),
  },
  {
    key: 'production',
    label: 'beneficiaries with 300 claims each (production: about 300 claims per enrollee)',
    beneficiaries: 100,
    claims: 300,
    rounds: 1,
  },
];

// Bytes received on every client socket of this process (the emulator runs in another one).
let wireBytes = 0;
dc.subscribe('net.client.socket', ({ socket }) => socket.on('data', d => (wireBytes += d.length)));

/** One population: day 0 (a full pull for the watermarks), then `rounds` measured days. */
async function scenario({ key, label, beneficiaries, claims, rounds }) {
  // BBUser20000…: the Part D users; with `claims`, configured with that many claims each.
  const users = Array.from({ length: beneficiaries }, (_, i) => `BBUser${20000 + i}`);
  const emu = await EmulatorProcess.start({
    latencyMs: LATENCY_MS,
    beneficiaries: claims ? users.map(username => ({ username, eobCount: claims })) : [],
  });
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
  const minted = await control('tokens', { tokens: users.map(user => ({ user })) });
  const tokens = minted.tokens.map(json => ourToken(json));

  const pass = async (i, since) => {
    const delivered = [];
    let done;
    const keep = e =>
      e.kind === 'resource' ? delivered.push(`${e.resourceType}/${e.resource.id}`) : (done = e);
    await lastValueFrom(ours.fhir.sync(tokens[i], { since }).pipe(tap(keep)));
    return { delivered, done };
  };
  // Passes for every beneficiary, CONCURRENCY at a time, with the requests, bytes and time.
  const day = async sinceOf => {
    await emu.clearRequests();
    const results = Array.from({ length: beneficiaries });
    let next = 0;
    const worker = async () => {
      while (next < beneficiaries) {
        const i = next++;
        results[i] = await pass(i, sinceOf(i));
      }
    };
    const bytes0 = wireBytes;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    return {
      results,
      ms,
      cpuMs,
      bytes: wireBytes - bytes0,
      requests: await emu.count(FHIR, 'GET'),
    };
  };

  // Day 0, not measured: the first full pull gives every beneficiary a watermark.
  const day0 = await day(() => undefined);
  let watermarks = day0.results.map(r => r.done.watermark);
  let total = day0.results.reduce((n, r) => n + r.delivered.length, 0);
  const eobs = day0.results.reduce(
    (n, r) => n + r.delivered.filter(k => k.startsWith('ExplanationOfBenefit/')).length,
    0,
  );
  progress(
    `sync ${key} day 0: ${total} resources, ${day0.requests} requests, ${day0.ms.toFixed(0)} ms`,
  );

  const contenders = [
    {
      key: 'incremental',
      label: 'incremental: sync() from each watermark',
      since: i => watermarks[i],
    },
    {
      key: 'full',
      label: 'full re-pull: the same pass without a watermark',
      since: () => undefined,
    },
  ];
  const samples = Object.fromEntries(
    contenders.map(c => [c.key, { ms: [], cpuMs: [], bytes: [], requests: [] }]),
  );
  const checks = [];
  const changed = Math.round(beneficiaries * CHANGED_SHARE);
  for (let r = 0; r < rounds; r++) {
    // The night's load: two new claims each for a different 5 % every day.
    const who = Array.from({ length: changed }, (_, k) => (r + k * 20 + 7) % beneficiaries);
    const load = await control('claims', {
      loads: who.map(i => ({ user: users[i], add: { carrier: 1, pde: 1 } })),
    });
    const added = load.beneficiaries.flatMap(b => b.added.map(c => `ExplanationOfBenefit/${c.id}`));
    total += added.length;
    for (const c of rotation(contenders, r)) {
      const run = await day(c.since);
      const delivered = run.results.flatMap(x => x.delivered);
      // Same answer on the same state: the incremental pass brings exactly the loaded claims,
      // the full re-pull everything the emulator has (day 0 plus every load so far).
      const ok =
        c.key === 'incremental'
          ? [...delivered].sort().join() === [...added].sort().join()
          : delivered.length === total;
      checks.push({ contender: c.key, round: r, delivered: delivered.length, ok });
      if (!ok)
        throw new Error(`${key} ${c.key} round ${r}: delivered ${delivered.length} resources`);
      if (c.key === 'incremental') watermarks = run.results.map(x => x.done.watermark);
      samples[c.key].ms.push(run.ms);
      samples[c.key].cpuMs.push(run.cpuMs);
      samples[c.key].bytes.push(run.bytes);
      samples[c.key].requests.push(run.requests);
      const mb = (run.bytes / 1e6).toFixed(1);
      progress(
        `sync ${key} round ${r + 1}/${rounds} ${c.key}: ${run.requests} requests, ${mb} MB, ${run.ms.toFixed(0)} ms`,
      );
    }
  }
  await ours.close();
  await emu.close();

  const perRound = m => samples.full[m].map((v, i) => v / samples.incremental[m][i]);
  return {
    key,
    label,
    rounds,
    beneficiaries,
    claims,
    changed,
    resources: total,
    eobsPerBeneficiary: eobs / beneficiaries,
    day0: { requests: day0.requests, bytes: day0.bytes, ms: day0.ms },
    contenders: contenders.map(c => ({
      key: c.key,
      label: c.label,
      ms: summarize(samples[c.key].ms),
      cpuMs: summarize(samples[c.key].cpuMs),
      bytes: summarize(samples[c.key].bytes),
      requests: summarize(samples[c.key].requests),
    })),
    ratios: {
      requests: summarize(perRound('requests')),
      bytes: summarize(perRound('bytes')),
      wall: summarize(perRound('ms')),
    },
    checks: { all: checks.length, ok: checks.filter(c => c.ok).length },
  };
}

const scenarios = [];
for (const s of SCENARIOS) scenarios.push(await scenario(s));
console.log(JSON.stringify({ latencyMs: LATENCY_MS, concurrency: CONCURRENCY, scenarios }));
