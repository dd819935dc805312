// One client process of case 3: pulls a 20,000-EOB history either streaming through `resources()`
// or collecting it with `getPages()`, and reports its own peak RSS. Run by memory.mjs, one fresh
// process per measurement, so peaks never carry over; the emulator runs in yet another process.
import { createHash } from 'node:crypto';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { bootOurs, ourToken } from '../support/ours.mjs';

const { mode, baseUrl, client, token: json, count } = JSON.parse(process.argv[2]);

// Sampled RSS (every 10 ms) alongside the kernel's high-water mark (getrusage ru_maxrss), which
// catches peaks between samples.
let sampledPeak = process.memoryUsage.rss();
const sampler = setInterval(() => {
  sampledPeak = Math.max(sampledPeak, process.memoryUsage.rss());
}, 10);

const ours = await bootOurs({ baseUrl, client });
const token = ourToken(json);
const first = await firstValueFrom(ours.fhir.getExplanationOfBenefitData(token, { _count: count }));
const baselineRss = process.memoryUsage.rss();
const baselineMaxRss = process.resourceUsage().maxRSS * 1024;

const hash = createHash('sha256');
let eobs = 0;
const t0 = performance.now();
if (mode === 'resources') {
  // A consumer that keeps nothing but a running digest of the ids, as a streaming export would.
  await new Promise((resolve, reject) =>
    ours.fhir.resources(first.data, first.token).subscribe({
      next: r => {
        hash.update(`${r.resource.id}\n`);
        eobs++;
      },
      error: reject,
      complete: resolve,
    }),
  );
} else {
  const { pages } = await lastValueFrom(ours.fhir.getPages(first.data, first.token));
  for (const page of pages)
    for (const e of page.entry ?? []) {
      hash.update(`${e.resource.id}\n`);
      eobs++;
    }
}
const ms = performance.now() - t0;
clearInterval(sampler);
sampledPeak = Math.max(sampledPeak, process.memoryUsage.rss());
await ours.close();
process.send({
  mode,
  eobs,
  digest: hash.digest('hex'),
  ms,
  baselineRss,
  baselineMaxRss,
  sampledPeakRss: sampledPeak,
  maxRss: process.resourceUsage().maxRSS * 1024,
});
