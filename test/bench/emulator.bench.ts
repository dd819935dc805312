import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BlueButtonEmulator } from '../../lib/testing/index.js';

/** What `benchEmulator()` measures. */
export interface EmulatorBenchResult {
  /** `BlueButtonEmulator.start()` with a 10,000-EOB beneficiary configured, until it listens. */
  startupMs: number;
  /** One GET of 50 EOBs (request to last body byte, gzip as a client negotiates it). */
  page50Ms: { median: number; p95: number };
}

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)] as number;
}

const round = (n: number) => Math.round(n * 100) / 100;

/**
 * Measures emulator startup and serving pages of 50 EOBs for a 10,000-EOB beneficiary, over
 * real HTTP on loopback. Pages are spread over the whole result so none is a cache hit.
 */
export async function benchEmulator(rounds = 40): Promise<EmulatorBenchResult> {
  const t0 = performance.now();
  const emu = await BlueButtonEmulator.start({
    beneficiaries: [{ username: 'BBUser20000', eobCount: 10_000 }],
  });
  const startupMs = performance.now() - t0;
  try {
    const token = await emu.getToken({ user: 'BBUser20000' });
    const get = async (startIndex: number) => {
      const res = await fetch(
        `${emu.baseUrl}/v2/fhir/ExplanationOfBenefit?_count=50&startIndex=${startIndex}`,
        { headers: { authorization: `Bearer ${token.access_token}` } },
      );
      const body = await res.arrayBuffer();
      if (res.status !== 200 || body.byteLength === 0) throw new Error(`HTTP ${res.status}`);
    };
    for (let i = 0; i < 5; i++) await get(i * 50);
    const samples: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const startIndex = ((i * 7919) % 200) * 50;
      const s = performance.now();
      await get(startIndex);
      samples.push(performance.now() - s);
    }
    samples.sort((a, b) => a - b);
    return {
      startupMs: round(startupMs),
      page50Ms: { median: round(percentile(samples, 50)), p95: round(percentile(samples, 95)) },
    };
  } finally {
    await emu.close();
  }
}

function isMain(): boolean {
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
    r => console.log(JSON.stringify(r)),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
