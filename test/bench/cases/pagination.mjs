// Case 1: pulling a 2,000-EOB history, _count=10, 40 ms emulator latency per request.
// Every contender does the same work, timed from the first search request to the last page:
// the first page (its own `getExplanationOfBenefitData`) plus the 199 following pages = 200 GETs.
import http from 'node:http';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { officialSdk, officialToken } from '../support/official.mjs';
import { bootOurs, ourToken } from '../support/ours.mjs';
import { EmulatorProcess } from '../support/emulator-process.mjs';
import { loadAxios } from '../support/pkg.mjs';
import { progress, rotation, summarize } from '../support/stats.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const LATENCY_MS = 40;
const EOBS = 2000;
const COUNT = 10;
const PAGES = EOBS / COUNT;
const USER = 'BBUser20000';
const WARMUP_USER = 'BBUser20001';
const EOB_PATH = '/v2/fhir/ExplanationOfBenefit';

const emu = await EmulatorProcess.start({
  latencyMs: LATENCY_MS,
  beneficiaries: [
    { username: USER, eobCount: EOBS },
    { username: WARMUP_USER, eobCount: 200 },
  ],
});
const ours = await bootOurs(emu);
const official = officialSdk(emu);
const bare = (await loadAxios()).create({ httpAgent: new http.Agent({ keepAlive: true }) });

const idsOf = pages => pages.flatMap(p => (p.entry ?? []).map(e => e.resource.id));

const oursAt = concurrency => async json => {
  const token = ourToken(json);
  const first = await firstValueFrom(
    ours.fhir.getExplanationOfBenefitData(token, { _count: COUNT }),
  );
  const { pages } = await lastValueFrom(
    ours.fhir.getPages(first.data, first.token, { pageConcurrency: concurrency }),
  );
  return idsOf(pages);
};

const contenders = [
  {
    key: 'c4',
    label: 'ours, getPages, pageConcurrency 4 (default)',
    concurrency: 4,
    run: oursAt(4),
  },
  { key: 'c1', label: 'ours, pageConcurrency 1 (sequential next)', concurrency: 1, run: oursAt(1) },
  {
    key: 'official',
    label: 'official Node SDK 1.0.13, getPages',
    concurrency: 1,
    run: async json => {
      const first = await official.getExplanationOfBenefitData(officialToken(json), {
        params: { _count: COUNT },
      });
      const { pages } = await official.getPages(first.response.data, first.token);
      return idsOf(pages);
    },
  },
  { key: 'c8', label: 'ours, pageConcurrency 8', concurrency: 8, run: oursAt(8) },
  {
    key: 'bare4',
    label: 'reference: bare axios, 4 in flight (no URL checks, retry or refresh)',
    concurrency: 4,
    reference: true,
    // What this emulator and machine allow at 4 in flight: the same 200 GETs with nothing but
    // axios, a keep-alive agent and a 4-worker loop over the planned page URLs.
    run: async json => {
      const headers = {
        authorization: `Bearer ${json.access_token}`,
        accept: 'application/fhir+json',
      };
      const get = async url => (await bare.get(url, { headers })).data;
      const first = await get(`${emu.baseUrl}${EOB_PATH}/?_count=${COUNT}`);
      const next = new URL(first.link.find(l => l.relation === 'next').url);
      const urls = [];
      for (let s = Number(next.searchParams.get('startIndex')); s < first.total; s += COUNT) {
        next.searchParams.set('startIndex', String(s));
        urls.push(next.href);
      }
      const pages = [first];
      let i = 0;
      const worker = async () => {
        while (i < urls.length) {
          const k = i++;
          pages[k + 1] = await get(urls[k]);
        }
      };
      await Promise.all(Array.from({ length: 4 }, worker));
      return idsOf(pages);
    },
  },
];

// Warm-up (JIT, sockets) on a 200-EOB beneficiary, not measured.
const warmJson = await emu.getToken(WARMUP_USER);
for (const c of contenders) await c.run(warmJson);

// The size of one page, as JSON and as gzip sent it, for the report.
const sizeOf = async encoding => {
  const res = await bare.get(`${emu.baseUrl}${EOB_PATH}/?_count=${COUNT}&startIndex=100`, {
    headers: { authorization: `Bearer ${warmJson.access_token}`, 'accept-encoding': encoding },
    responseType: 'arraybuffer',
    decompress: false,
  });
  return res.data.byteLength;
};
const pageBytes = { json: await sizeOf('identity'), gzip: await sizeOf('gzip') };

const samples = Object.fromEntries(contenders.map(c => [c.key, []]));
// Client CPU per run (this process only; the emulator is another process).
const cpu = Object.fromEntries(contenders.map(c => [c.key, []]));
let reference;
const checks = [];
for (let r = 0; r < ROUNDS; r++) {
  for (const c of rotation(contenders, r)) {
    const json = await emu.getToken(USER);
    await emu.clearRequests();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const ids = await c.run(json);
    const ms = performance.now() - t0;
    const used = process.cpuUsage(c0);
    cpu[c.key].push((used.user + used.system) / 1000);
    const gets = await emu.count(EOB_PATH, 'GET');
    // Same work, same answer: 200 GETs, 2,000 distinct EOBs, in the reference order.
    reference ??= ids;
    const sameOrder = ids.length === reference.length && ids.every((id, i) => id === reference[i]);
    const ok = ids.length === EOBS && new Set(ids).size === EOBS && sameOrder && gets === PAGES;
    checks.push({ contender: c.key, round: r, eobs: ids.length, gets, sameOrder, ok });
    if (!ok)
      throw new Error(`${c.key} round ${r}: ${ids.length} EOBs, ${gets} GETs, order ${sameOrder}`);
    samples[c.key].push(ms);
    progress(`pagination round ${r + 1}/${ROUNDS} ${c.key}: ${ms.toFixed(0)} ms`);
  }
}

await ours.close();
await emu.close();

const floor = concurrency => LATENCY_MS * (1 + Math.ceil((PAGES - 1) / concurrency));
console.log(
  JSON.stringify({
    rounds: ROUNDS,
    latencyMs: LATENCY_MS,
    eobs: EOBS,
    count: COUNT,
    requests: PAGES,
    pageBytes,
    contenders: contenders.map(c => ({
      key: c.key,
      label: c.label,
      concurrency: c.concurrency,
      reference: c.reference ?? false,
      floorMs: floor(c.concurrency),
      ms: summarize(samples[c.key]),
      cpuMs: summarize(cpu[c.key]),
      samples: samples[c.key],
    })),
    checks: { all: checks.length, ok: checks.filter(c => c.ok).length },
  }),
);
