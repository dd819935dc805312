// Case 3: memory on a huge history. 20,000 EOBs (_count=50, BB2's maximum: 400 pages), zero
// latency, streamed through `resources()` vs collected with `getPages()`, beside a bare-axios
// reference doing the same GETs. Each measurement is a fresh client process (see
// memory-client.mjs); the emulator runs in its own process, so only the client's memory counts.
import { fork } from 'node:child_process';
import http from 'node:http';
import { EmulatorProcess } from '../support/emulator-process.mjs';
import { progress, rotation, summarize } from '../support/stats.mjs';

const ROUNDS = Number(process.env.BENCH_MEMORY_ROUNDS ?? 3);
const EOBS = 20_000;
const COUNT = 50;
const USER = 'BBUser20002';
const MB = 1024 * 1024;

const emu = await EmulatorProcess.start({ beneficiaries: [{ username: USER, eobCount: EOBS }] });

const runClient = async mode => {
  const token = await emu.getToken(USER);
  const arg = JSON.stringify({
    mode,
    baseUrl: emu.baseUrl,
    client: emu.client,
    token,
    count: COUNT,
  });
  const child = fork(new URL('./memory-client.mjs', import.meta.url), [arg], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const result = await new Promise((resolve, reject) => {
    let got;
    child.on('message', m => (got = m));
    child.on('exit', code =>
      got ? resolve(got) : reject(new Error(`${mode} client exited ${code}`)),
    );
  });
  return result;
};

const modes = [
  { key: 'resources', label: 'ours, resources() (streaming, pageConcurrency 4)' },
  { key: 'getPages', label: 'ours, getPages() (collects every page)' },
  {
    key: 'bare',
    label: 'reference: bare axios, the same GETs 4 at a time, JSON.parse, keeping only the ids',
  },
];
const runs = { resources: [], getPages: [], bare: [] };
for (let r = 0; r < ROUNDS; r++) {
  for (const m of rotation(modes, r)) {
    const res = await runClient(m.key);
    if (res.eobs !== EOBS) throw new Error(`${m.key}: ${res.eobs} EOBs`);
    res.ok = true;
    runs[m.key].push(res);
    progress(
      `memory round ${r + 1}/${ROUNDS} ${m.key}: peak RSS ${(res.maxRss / MB).toFixed(0)} MB, ${res.ms.toFixed(0)} ms`,
    );
  }
}
// The size of one page, as JSON and as gzip sent it, for the report.
const sizeOf = async encoding => {
  const { access_token: bearer } = await emu.getToken(USER);
  const url = `${emu.baseUrl}/v2/fhir/ExplanationOfBenefit/?_count=${COUNT}&startIndex=5000`;
  return new Promise((resolve, reject) => {
    http
      .get(
        url,
        { headers: { authorization: `Bearer ${bearer}`, 'accept-encoding': encoding } },
        res => {
          let bytes = 0;
          res.on('data', chunk => (bytes += chunk.length));
          res.on('end', () => resolve(bytes));
        },
      )
      .on('error', reject);
  });
};
const pageBytes = { json: await sizeOf('identity'), gzip: await sizeOf('gzip') };

// What the process holds before any EOB: Node, then Nest's core, then our module, then booted.
const boots = [];
for (let r = 0; r < ROUNDS; r++) boots.push((await runClient('boot')).steps);
await emu.close();

// Every way must yield the same 20,000 EOBs in the same order.
const digests = new Set(Object.values(runs).flatMap(rs => rs.map(r => r.digest)));
if (digests.size !== 1) throw new Error('the modes disagree on the EOBs or their order');

const mb = xs => summarize(xs.map(x => x / MB));
console.log(
  JSON.stringify({
    rounds: ROUNDS,
    eobs: EOBS,
    count: COUNT,
    sameEobsSameOrder: true,
    pageBytes,
    bootRssMb: Object.fromEntries(
      Object.keys(boots[0]).map(k => [k, summarize(boots.map(b => b[k] / MB))]),
    ),
    contenders: modes.map(m => ({
      key: m.key,
      label: m.label,
      peakRssMb: mb(runs[m.key].map(r => r.maxRss)),
      sampledPeakRssMb: mb(runs[m.key].map(r => r.sampledPeakRss)),
      baselineRssMb: mb(runs[m.key].map(r => r.baselineRss)),
      ms: summarize(runs[m.key].map(r => r.ms)),
    })),
  }),
);
