// Case 3: memory on a huge history. 20,000 EOBs (_count=50, BB2's maximum: 400 pages), zero
// latency, streamed through `resources()` vs collected with `getPages()`. Each measurement is a
// fresh client process (see memory-client.mjs); the emulator runs in its own process, so only the
// client's memory is counted.
import { fork } from 'node:child_process';
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
];
const runs = { resources: [], getPages: [] };
for (let r = 0; r < ROUNDS; r++) {
  for (const m of rotation(modes, r)) {
    const res = await runClient(m.key);
    if (res.eobs !== EOBS) throw new Error(`${m.key}: ${res.eobs} EOBs`);
    runs[m.key].push(res);
    progress(
      `memory round ${r + 1}/${ROUNDS} ${m.key}: peak RSS ${(res.maxRss / MB).toFixed(0)} MB, ${res.ms.toFixed(0)} ms`,
    );
  }
}
await emu.close();

// Both ways must yield the same 20,000 EOBs in the same order.
const digests = new Set([...runs.resources, ...runs.getPages].map(r => r.digest));
if (digests.size !== 1) throw new Error('resources() and getPages() disagree on the EOBs or order');

const mb = xs => summarize(xs.map(x => x / MB));
console.log(
  JSON.stringify({
    rounds: ROUNDS,
    eobs: EOBS,
    count: COUNT,
    sameEobsSameOrder: true,
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
