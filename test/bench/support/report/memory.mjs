// Section 3: memory when streaming a huge history.
import { fmt, MB, ms, table } from './format.mjs';

/** How much a memory contender's peak RSS is above its RSS as booted (MB). */
const added = c => c.peakRssMb.median - c.baselineRssMb.median;

/** `{ targets, markdown, text }` for the memory case. */
export function memoryReport(mem) {
  const [res, all, bareMem] = mem.contenders;
  const boot = mem.bootRssMb;
  const over = res.peakRssMb.median - bareMem.peakRssMb.median;
  const targets = [
    [
      'Streaming 20,000 EOBs, peak RSS',
      'within 10 MB of the bare-axios reference',
      `${MB(res.peakRssMb)} vs ${MB(bareMem.peakRssMb)}: ${over >= 0 ? '+' : ''}${fmt(over, 1)} MB (see §3)`,
      over <= 10,
    ],
  ];
  const markdown = [
    '## 3. Memory on a huge history',
    '',
    `${fmt(mem.eobs)} EOBs (\`_count=${mem.count}\`, BB2's maximum: ${fmt(mem.eobs / mem.count)} pages), emulator ` +
      `latency 0. Every measurement is a fresh client process that boots the Nest module and fetches the ` +
      `first page through it (and loads no emulator code and no official SDK); the emulator runs in its own ` +
      `process, so its memory is not counted. Peak RSS is the kernel's high-water mark for the client ` +
      `process (\`process.resourceUsage().maxRSS\`, getrusage's ru_maxrss), which catches peaks between ` +
      `samples; a 10 ms \`process.memoryUsage.rss()\` sampler is shown beside it. The streaming consumer ` +
      `keeps only a digest of the EOB ids. All three produced the same ${fmt(mem.eobs)} ids in the same order. ` +
      `${mem.rounds} rounds, alternating.`,
    '',
    table(
      [
        'mode',
        'peak RSS (ru_maxrss)',
        'peak RSS (10 ms samples)',
        'RSS after boot + first page',
        'time',
      ],
      mem.contenders.map(c => [
        c.label,
        MB(c.peakRssMb),
        MB(c.sampledPeakRssMb),
        MB(c.baselineRssMb),
        ms(c.ms),
      ]),
    ),
    '',
    `Streaming peaks ${fmt(all.peakRssMb.median / res.peakRssMb.median, 1)}× lower than collecting. It adds ` +
      `${fmt(added(res))} MB to the process as booted; collecting adds ${fmt(added(all))} MB; the reference, ` +
      `which does the same GETs 4 at a time with nothing but axios (set up as our module sets it up: no ` +
      `redirects, text body, JSON.parse) and drops each page at once, adds ${fmt(added(bareMem))} MB.`,
    '',
    'What the process holds before the first EOB (RSS after each step, fresh processes):',
    '',
    table(
      ['step', 'RSS'],
      [
        ['Node, nothing loaded', MB(boot.node)],
        ['+ `@nestjs/core` imported', MB(boot.nestCore)],
        ['+ `nestjs-bluebutton` imported', MB(boot.module)],
        ['+ `BlueButtonModule.forRoot()` booted in an application context', MB(boot.booted)],
      ],
    ),
    '',
    `A booted Nest process holds ${fmt(boot.booted.median)} MB before the first claim ` +
      `(${fmt(mem.eobs / mem.count)} pages of ${fmt(mem.pageBytes.json / 1000)} kB of JSON each, ` +
      `${fmt(mem.pageBytes.gzip / 1000)} kB gzipped, follow). Streaming peaks ${fmt(over, 1)} MB ` +
      `${over >= 0 ? 'above' : 'below'} the bare client doing nothing but the same GETs and JSON.parse.`,
    '',
  ];
  const text = [
    'Memory (peak RSS):',
    ...mem.contenders.map(
      c => `  ${c.label}: ${MB(c.peakRssMb)}, after boot ${MB(c.baselineRssMb)}`,
    ),
  ];
  return { targets, markdown, text };
}
