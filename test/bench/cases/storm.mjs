// Case 4: refresh storm. 200 concurrent getPatientData calls on one expired token: how many
// refresh POSTs reach the emulator, how long until all 200 calls settle, and how many fail.
import { lastValueFrom } from 'rxjs';
import { officialSdk, officialToken } from '../support/official.mjs';
import { bootOurs, ourToken } from '../support/ours.mjs';
import { EmulatorProcess } from '../support/emulator-process.mjs';
import { progress, rotation, summarize } from '../support/stats.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CALLS = 200;
const TOKEN_PATH = /^\/v2\/o\/token\/?$/;

const emu = await EmulatorProcess.start({});
const ours = await bootOurs(emu);
const official = officialSdk(emu);

const contenders = [
  {
    key: 'ours',
    label: 'ours, getPatientData',
    storm: async json => {
      const token = ourToken(json, { expired: true });
      const settled = await Promise.allSettled(
        Array.from({ length: CALLS }, () => lastValueFrom(ours.fhir.getPatientData(token))),
      );
      const ok = settled.filter(s => s.status === 'fulfilled' && s.value.status === 200);
      // Every caller must come back with the same, new token (one refresh shared by all).
      const tokens = new Set(ok.map(s => s.value.token.accessToken));
      return { ok: ok.length, tokens: tokens.size, refreshed: !tokens.has(json.access_token) };
    },
  },
  {
    key: 'official',
    label: 'official Node SDK 1.0.13, getPatientData',
    storm: async json => {
      const token = officialToken(json, { expired: true });
      const settled = await Promise.allSettled(
        Array.from({ length: CALLS }, () => official.getPatientData(token)),
      );
      // The SDK returns HTTP errors as data ({ response }), and throws when its refresh POST fails.
      const ok = settled.filter(s => s.status === 'fulfilled' && s.value.response?.status === 200);
      const tokens = new Set(ok.map(s => s.value.token.accessToken));
      return { ok: ok.length, tokens: tokens.size, refreshed: !tokens.has(json.access_token) };
    },
  },
];

// Warm-up (JIT, sockets), not measured.
for (const c of contenders) await c.storm(await emu.getToken('BBUser00000'));

const runs = { ours: [], official: [] };
for (let r = 0; r < ROUNDS; r++) {
  for (const c of rotation(contenders, r)) {
    const json = await emu.getToken('BBUser00000');
    await emu.clearRequests();
    const t0 = performance.now();
    const result = await c.storm(json);
    const ms = performance.now() - t0;
    const posts = await emu.count(TOKEN_PATH, 'POST');
    const gets = await emu.count('/v2/fhir/Patient', 'GET');
    runs[c.key].push({ ms, posts, gets, failed: CALLS - result.ok, ...result });
    progress(
      `storm round ${r + 1}/${ROUNDS} ${c.key}: ${posts} refresh POSTs, ${CALLS - result.ok} failed, ${ms.toFixed(0)} ms`,
    );
  }
}

await ours.close();
await emu.close();

console.log(
  JSON.stringify({
    rounds: ROUNDS,
    calls: CALLS,
    contenders: contenders.map(c => ({
      key: c.key,
      label: c.label,
      ms: summarize(runs[c.key].map(x => x.ms)),
      posts: summarize(runs[c.key].map(x => x.posts)),
      failed: summarize(runs[c.key].map(x => x.failed)),
      gets: summarize(runs[c.key].map(x => x.gets)),
      distinctTokens: summarize(runs[c.key].map(x => x.tokens)),
      runs: runs[c.key],
    })),
  }),
);
