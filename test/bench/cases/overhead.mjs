// Case 2: per-request overhead. 5,000 sequential `getPatientData` calls, zero latency, against the
// same 5,000 GETs (same URL, same headers) on a bare axios instance with a keep-alive agent.
import http from 'node:http';
import { firstValueFrom } from 'rxjs';
import { bootOurs, ourToken } from '../support/ours.mjs';
import { EmulatorProcess } from '../support/emulator-process.mjs';
import { axiosVersion, loadAxios } from '../support/pkg.mjs';
import { progress, rotation, summarize } from '../support/stats.mjs';

const axios = await loadAxios();

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const CALLS = 5000;
const WARMUP = 500;
const BLOCK = 500;
const PATH = '/v2/fhir/Patient/';

const emu = await EmulatorProcess.start({});
const ours = await bootOurs(emu);
const json = await emu.getToken('BBUser00000');
const token = ourToken(json);

// Copy exactly what our client sent on the wire (minus what axios adds itself), so both send the
// same request: same URL, same Accept, same SDK headers, same bearer.
await emu.clearRequests();
await firstValueFrom(ours.fhir.getPatientData(token));
const [sent] = await emu.requests(PATH, 'GET');
const AXIOS_OWN = new Set(['user-agent', 'accept-encoding', 'host', 'connection']);
const headers = Object.fromEntries(Object.entries(sent.headers).filter(([k]) => !AXIOS_OWN.has(k)));
const url = `${emu.baseUrl}${sent.url}`;

const bare = axios.create({ httpAgent: new http.Agent({ keepAlive: true }) });

const contenders = [
  {
    key: 'ours',
    label: 'ours, getPatientData',
    call: async () => {
      const res = await firstValueFrom(ours.fhir.getPatientData(token));
      if (res.data.resourceType !== 'Bundle') throw new Error('not a Bundle');
    },
  },
  {
    key: 'axios',
    label: `bare axios ${axiosVersion}, keep-alive agent, same URL and headers`,
    call: async () => {
      const res = await bare.get(url, { headers });
      if (res.data.resourceType !== 'Bundle') throw new Error('not a Bundle');
    },
  },
];

const batch = async (c, n) => {
  for (let i = 0; i < n; i++) await c.call();
};
for (const c of contenders) await batch(c, WARMUP);

// The two contenders' requests must be indistinguishable to the server.
const wire = {};
for (const c of contenders) {
  await emu.clearRequests();
  await c.call();
  const [req] = await emu.requests(PATH, 'GET');
  wire[c.key] = req;
}
const sameRequest = JSON.stringify(wire.ours) === JSON.stringify(wire.axios);
if (!sameRequest) throw new Error(`different requests: ${JSON.stringify(wire)}`);

const samples = { ours: [], axios: [] };
const cpu = { ours: [], axios: [] };
for (let r = 0; r < ROUNDS; r++) {
  const total = { ours: 0, axios: 0 };
  const used = { ours: 0, axios: 0 };
  await emu.clearRequests();
  // Alternate in blocks, so drift (CPU clock, the emulator's GC) hits both contenders alike.
  for (let b = 0; b < CALLS / BLOCK; b++) {
    for (const c of rotation(contenders, r + b)) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await batch(c, BLOCK);
      total[c.key] += performance.now() - t0;
      const u = process.cpuUsage(c0);
      used[c.key] += (u.user + u.system) / 1000;
    }
  }
  const gets = await emu.count(PATH, 'GET');
  if (gets !== 2 * CALLS) throw new Error(`${gets} GETs reached the emulator, not ${2 * CALLS}`);
  for (const c of contenders) {
    samples[c.key].push(total[c.key]);
    cpu[c.key].push(used[c.key]);
  }
  progress(
    `overhead round ${r + 1}/${ROUNDS}: ours ${total.ours.toFixed(0)} ms, axios ${total.axios.toFixed(0)} ms`,
  );
}

await ours.close();
await emu.close();

const ratios = samples.ours.map((ms, i) => ms / samples.axios[i]);
console.log(
  JSON.stringify({
    rounds: ROUNDS,
    calls: CALLS,
    block: BLOCK,
    url: sent.url,
    headers: Object.keys(wire.ours.headers),
    sameRequest,
    contenders: contenders.map(c => ({
      key: c.key,
      label: c.label,
      ms: summarize(samples[c.key]),
      cpuMs: summarize(cpu[c.key]),
      samples: samples[c.key],
    })),
    ratio: summarize(ratios),
  }),
);
