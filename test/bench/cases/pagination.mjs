// Case 1: pulling a 2,000-EOB history whose first page used _count=10, under two latency models
// of BB2, side by side in one run: (a) a fixed 40 ms per request; (b) 100 ms + 4 ms per EOB
// returned, so bigger pages honestly cost more. Every contender is timed from its first search
// request (its own `getExplanationOfBenefitData`, _count=10) to the last page of its `getPages`.
import http from 'node:http';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { officialSdk, officialToken } from '../support/official.mjs';
import { bootOurs, ourToken } from '../support/ours.mjs';
import { EmulatorProcess } from '../support/emulator-process.mjs';
import { loadAxios } from '../support/pkg.mjs';
import { progress, rotation, summarize } from '../support/stats.mjs';

const EOBS = 2000;
const COUNT = 10;
const USER = 'BBUser20000';
const WARMUP_USER = 'BBUser20001';
const EOB_PATH = '/v2/fhir/ExplanationOfBenefit';

const MODELS = [
  {
    key: 'fixed',
    label: 'fixed: 40 ms per request',
    emulator: { latencyMs: 40 },
    cost: () => 40,
    rounds: Number(process.env.BENCH_ROUNDS ?? 4),
  },
  {
    key: 'perEntry',
    label: 'per entry: 100 ms + 4 ms per EOB returned',
    emulator: { latencyMs: 100, latencyPerEntryMs: 4 },
    cost: entries => 100 + 4 * entries,
    // The official SDK takes about 29 s a run here.
    rounds: Number(process.env.BENCH_PER_ENTRY_ROUNDS ?? 3),
  },
];

const idsOf = pages => pages.flatMap(p => (p.entry ?? []).map(e => e.resource.id));

/** Our getPages after our own first search at _count=10, with these page options. */
const oursWith = (ours, options) => async json => {
  const first = await firstValueFrom(
    ours.fhir.getExplanationOfBenefitData(ourToken(json), { _count: COUNT }),
  );
  const { pages } = await lastValueFrom(ours.fhir.getPages(first.data, first.token, options));
  return idsOf(pages);
};

const axios = await loadAxios();

/**
 * What any client needs for the same GETs on this machine: bare axios (keep-alive, JSON parsed by
 * its default transform), the first page at _count=10, then 4 workers over the pages of 50 planned
 * from it. No URL checks, retry, refresh or order checks.
 */
function bareReference(emu) {
  const bare = axios.create({ httpAgent: new http.Agent({ keepAlive: true }) });
  return async json => {
    const headers = {
      authorization: `Bearer ${json.access_token}`,
      accept: 'application/fhir+json',
    };
    const get = async url => (await bare.get(url, { headers })).data;
    const first = await get(`${emu.baseUrl}${EOB_PATH}/?_count=${COUNT}`);
    const next = new URL(first.link.find(l => l.relation === 'next').url);
    next.searchParams.set('_count', '50');
    const urls = [];
    for (let s = Number(next.searchParams.get('startIndex')); s < first.total; s += 50) {
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
  };
}

function contendersFor(emu, ours, official) {
  return [
    {
      key: 'ours',
      label: 'ours, getPages (default: pageSize 50, pageConcurrency 4)',
      concurrency: 4,
      pageSize: 50,
      run: oursWith(ours, undefined),
    },
    {
      key: 'server',
      label: "ours, getPages keeping the server's page size (pageSize 'server', pageConcurrency 4)",
      concurrency: 4,
      pageSize: COUNT,
      run: oursWith(ours, { pageSize: 'server' }),
    },
    {
      key: 'official',
      label: 'official Node SDK 1.0.13, getPages',
      concurrency: 1,
      pageSize: COUNT,
      run: async json => {
        const first = await official.getExplanationOfBenefitData(officialToken(json), {
          params: { _count: COUNT },
        });
        const { pages } = await official.getPages(first.response.data, first.token);
        return idsOf(pages);
      },
    },
    {
      key: 'bare',
      label: 'reference: bare axios, the same 41 GETs, 4 in flight',
      concurrency: 4,
      pageSize: 50,
      run: bareReference(emu),
    },
  ];
}

/** GETs a contender sends: its first page, then the rest at its page size. */
const requestsOf = c => 1 + Math.ceil((EOBS - COUNT) / c.pageSize);

/**
 * The least time this request pattern allows: the first page, then the others in waves of
 * `concurrency`, each wave as long as its slowest request. `cost(i)` is request i's cost.
 */
function waves(n, concurrency, cost) {
  let t = cost(0);
  for (let i = 1; i < n; i += concurrency) {
    let slowest = 0;
    for (let k = i; k < Math.min(n, i + concurrency); k++) slowest = Math.max(slowest, cost(k));
    t += slowest;
  }
  return t;
}

/** Entries of request i of a contender's pattern (the first page holds COUNT). */
const entriesAt = (c, i) =>
  i === 0 ? COUNT : Math.min(c.pageSize, EOBS - COUNT - (i - 1) * c.pageSize);

async function runModel(model) {
  const emu = await EmulatorProcess.start({
    ...model.emulator,
    beneficiaries: [
      { username: USER, eobCount: EOBS },
      { username: WARMUP_USER, eobCount: 200 },
    ],
  });
  const ours = await bootOurs(emu);
  const contenders = contendersFor(emu, ours, officialSdk(emu));

  // Warm-up (JIT, sockets) on a 200-EOB beneficiary, not measured.
  const warmJson = await emu.getToken(WARMUP_USER);
  for (const c of contenders) await c.run(warmJson);

  const samples = Object.fromEntries(contenders.map(c => [c.key, []]));
  const cpu = Object.fromEntries(contenders.map(c => [c.key, []]));
  const floors = Object.fromEntries(contenders.map(c => [c.key, []]));
  const served = {};
  let reference;
  let checks = 0;
  for (let r = 0; r < model.rounds; r++) {
    for (const c of rotation(contenders, r)) {
      const json = await emu.getToken(USER);
      await emu.clearRequests();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const ids = await c.run(json);
      const ms = performance.now() - t0;
      const used = process.cpuUsage(c0);
      const timings = await emu.timings(EOB_PATH, 'GET');
      // Same answer for everyone: 2,000 distinct EOBs in the reference order, in the GETs expected.
      reference ??= ids;
      const sameOrder =
        ids.length === reference.length && ids.every((id, i) => id === reference[i]);
      const ok =
        ids.length === EOBS &&
        new Set(ids).size === EOBS &&
        sameOrder &&
        timings.length === requestsOf(c);
      if (!ok) {
        throw new Error(
          `${model.key} ${c.key} round ${r}: ${ids.length} EOBs, ${timings.length} GETs, order ${sameOrder}`,
        );
      }
      checks++;
      samples[c.key].push(ms);
      cpu[c.key].push((used.user + used.system) / 1000);
      // The floor counts what the emulator itself spent on each request besides the model's delay.
      floors[c.key].push(
        waves(timings.length, c.concurrency, i => timings[i].latencyMs + timings[i].servedMs),
      );
      for (const t of timings) {
        const size = Number(new URL(t.url, 'http://x').searchParams.get('_count'));
        (served[size] ??= []).push(t.servedMs);
      }
      progress(
        `pagination ${model.key} round ${r + 1}/${model.rounds} ${c.key}: ${ms.toFixed(0)} ms`,
      );
    }
  }
  await ours.close();
  await emu.close();
  return {
    key: model.key,
    label: model.label,
    rounds: model.rounds,
    checks,
    servedMs: Object.fromEntries(Object.entries(served).map(([k, v]) => [k, summarize(v)])),
    contenders: contenders.map(c => ({
      key: c.key,
      label: c.label,
      concurrency: c.concurrency,
      pageSize: c.pageSize,
      requests: requestsOf(c),
      // The model's own arithmetic: its delays alone, in this pattern.
      latencyFloorMs: waves(requestsOf(c), c.concurrency, i => model.cost(entriesAt(c, i))),
      floorMs: summarize(floors[c.key]),
      ms: summarize(samples[c.key]),
      cpuMs: summarize(cpu[c.key]),
      samples: samples[c.key],
    })),
  };
}

const models = [];
for (const model of MODELS) models.push(await runModel(model));
console.log(JSON.stringify({ eobs: EOBS, count: COUNT, models }));
