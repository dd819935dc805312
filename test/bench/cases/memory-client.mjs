// One client process of case 3, run by memory.mjs: a fresh process per measurement, so peaks never
// carry over; the emulator runs in yet another process. Modes:
// - `resources`: stream the 20,000-EOB history through `resources()`, keeping only an id digest;
// - `getPages`: collect it with `getPages()`, then digest the ids;
// - `bare`: the reference, the same GETs with nothing but axios (configured as our module
//   configures it: no redirects, text body, JSON.parse), 4 at a time, keeping only the ids;
// - `boot`: no EOBs; RSS after each step of loading and booting, to show what a booted app holds.
import { createHash } from 'node:crypto';
import http from 'node:http';

const { mode, baseUrl, client, token: json, count } = JSON.parse(process.argv[2]);

if (mode === 'boot') {
  const steps = { node: process.memoryUsage.rss() };
  await import('reflect-metadata');
  await import('@nestjs/core');
  steps.nestCore = process.memoryUsage.rss();
  await import('nestjs-bluebutton');
  steps.module = process.memoryUsage.rss();
  const { bootOurs } = await import('../support/ours.mjs');
  const ours = await bootOurs({ baseUrl, client });
  steps.booted = process.memoryUsage.rss();
  await ours.close();
  process.send({ mode, steps });
  process.exit(0);
}

const { firstValueFrom, lastValueFrom } = await import('rxjs');
const { bootOurs, ourToken } = await import('../support/ours.mjs');

// Sampled RSS (every 10 ms) alongside the kernel's high-water mark (getrusage ru_maxrss), which
// catches peaks between samples.
let sampledPeak = process.memoryUsage.rss();
const sampler = setInterval(() => {
  sampledPeak = Math.max(sampledPeak, process.memoryUsage.rss());
}, 10);

// Every mode boots the module and fetches the first page through it, so all start from the same
// process state.
const ours = await bootOurs({ baseUrl, client });
const token = ourToken(json);
const first = await firstValueFrom(ours.fhir.getExplanationOfBenefitData(token, { _count: count }));
const bare =
  mode === 'bare'
    ? (await (await import('../support/pkg.mjs')).loadAxios()).create({
        httpAgent: new http.Agent({ keepAlive: true }),
        maxRedirects: 0,
        responseType: 'text',
        transformResponse: [raw => raw],
      })
    : undefined;
const baselineRss = process.memoryUsage.rss();

const hash = createHash('sha256');
let eobs = 0;
const see = resource => {
  hash.update(`${resource.id}\n`);
  eobs++;
};
const t0 = performance.now();
if (mode === 'resources') {
  await new Promise((resolve, reject) =>
    ours.fhir.resources(first.data, first.token).subscribe({
      next: r => see(r.resource),
      error: reject,
      complete: resolve,
    }),
  );
} else if (mode === 'getPages') {
  const { pages } = await lastValueFrom(ours.fhir.getPages(first.data, first.token));
  for (const page of pages) for (const e of page.entry ?? []) see(e.resource);
} else {
  // 4 workers over the page URLs planned from the first page (as ours does at pageConcurrency 4);
  // each page is parsed and dropped at once, only its ids are kept, to be digested in order.
  const headers = { authorization: `Bearer ${json.access_token}`, accept: 'application/fhir+json' };
  const next = new URL(first.data.link.find(l => l.relation === 'next').url);
  const urls = [];
  for (let s = Number(next.searchParams.get('startIndex')); s < first.data.total; s += count) {
    next.searchParams.set('startIndex', String(s));
    urls.push(next.href);
  }
  const ids = [first.data.entry.map(e => e.resource.id)];
  let i = 0;
  const worker = async () => {
    while (i < urls.length) {
      const k = i++;
      const page = JSON.parse((await bare.get(urls[k], { headers })).data);
      ids[k + 1] = page.entry.map(e => e.resource.id);
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  for (const id of ids.flat()) see({ id });
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
  sampledPeakRss: sampledPeak,
  maxRss: process.resourceUsage().maxRSS * 1024,
});
