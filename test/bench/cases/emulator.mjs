// Case 5: the emulator itself (by the emulator's author, converted from emulator.bench.ts): startup
// with a 10,000-EOB beneficiary configured, and serving 50-EOB pages of that beneficiary over real
// HTTP on loopback. Here the emulator runs in this process, since it is what is measured.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadTesting } from '../support/pkg.mjs';
import { summarize } from '../support/stats.mjs';

const { BlueButtonEmulator } = await loadTesting();

function percentile(sorted, p) {
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)];
}

const round = n => Math.round(n * 100) / 100;

/**
 * Measures emulator startup and serving pages of 50 EOBs for a 10,000-EOB beneficiary, over
 * real HTTP on loopback. Pages are spread over the whole result so none is a cache hit.
 */
export async function benchEmulator(rounds = 40) {
  const t0 = performance.now();
  const emu = await BlueButtonEmulator.start({
    beneficiaries: [{ username: 'BBUser20000', eobCount: 10_000 }],
  });
  const startupMs = performance.now() - t0;
  try {
    const token = await emu.getToken({ user: 'BBUser20000' });
    const get = async startIndex => {
      const res = await fetch(
        `${emu.baseUrl}/v2/fhir/ExplanationOfBenefit?_count=50&startIndex=${startIndex}`,
        { headers: { authorization: `Bearer ${token.access_token}` } },
      );
      const body = await res.arrayBuffer();
      if (res.status !== 200 || body.byteLength === 0) throw new Error(`HTTP ${res.status}`);
    };
    for (let i = 0; i < 5; i++) await get(i * 50);
    const samples = [];
    for (let i = 0; i < rounds; i++) {
      const startIndex = ((i * 7919) % 200) * 50;
      const s = performance.now();
      await get(startIndex);
      samples.push(performance.now() - s);
    }
    samples.sort((a, b) => a - b);
    return {
      startupMs: round(startupMs),
      page50Ms: {
        ...summarize(samples),
        median: round(percentile(samples, 50)),
        p95: round(percentile(samples, 95)),
      },
    };
  } finally {
    await emu.close();
  }
}

function isMain() {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  benchEmulator().then(
    r => console.log(JSON.stringify({ rounds: 40, ...r })),
    err => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
