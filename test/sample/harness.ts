import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { BlueButtonModuleOptions } from 'nestjs-bluebutton';
import { BlueButtonEmulator, type BlueButtonEmulatorOptions } from 'nestjs-bluebutton/testing';
import request from 'supertest';
import { AppModule } from '../../sample/app.module.js';
import { consent, emulatorOptions, type ConsentOptions } from '../support/bluebutton.js';

/** The sample's callback, as `npm start` registers it (supertest never dials the port). */
export const SAMPLE_CALLBACK = 'http://localhost:3000/callback';
/** A fixed session secret, so tests may sign their own sessions. */
export const SAMPLE_SECRET = 'sample-e2e-session-secret-0123456789abcdef';

/** An emulator that accepts the sample's callback. */
export function startSampleEmulator(
  options: BlueButtonEmulatorOptions = {},
): Promise<BlueButtonEmulator> {
  return BlueButtonEmulator.start({ redirectUris: [SAMPLE_CALLBACK], ...options });
}

/** The sample's root module, as `main.ts` builds it, pointed at `emu` (fast retries). */
export async function createSampleApp(
  emu: BlueButtonEmulator,
  overrides: BlueButtonModuleOptions = {},
): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      AppModule.register(
        emulatorOptions(emu, { session: { secret: SAMPLE_SECRET }, ...overrides }),
      ),
    ],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

/** A browser-like cookie jar on the app. */
export type Agent = ReturnType<typeof request.agent>;

/**
 * Clicks "Connect with Medicare" (or the link with id `link`, e.g. `connect-v3`) with a fresh
 * cookie jar: the sample's login route, the emulator's consent (answered non-interactively), and
 * the callback. Returns the jar and the callback's answer.
 */
export async function connect(
  app: INestApplication,
  options: ConsentOptions = {},
  link = 'connect',
) {
  const agent = request.agent(app.getHttpServer());
  const home = await agent.get('/').expect(200);
  const href = attr(home.text, new RegExp(`<a\\b[^>]*\\bid="${link}"[^>]*>`), 'href')!;
  const start = await agent.get(decodeEntities(href)).expect(302);
  const callback = await consent(start.headers.location, options);
  const done = await agent.get(`${callback.pathname}${callback.search}`);
  return { agent, done };
}

/** The `Set-Cookie` of the package's session cookie, if any. */
export function sessionCookie(setCookie: string[] | string | undefined): string | undefined {
  return ([] as string[]).concat(setCookie ?? []).find(c => c.startsWith('bluebutton_session='));
}

/** Undoes the escaping of the sample's templates. */
export function decodeEntities(escaped: string): string {
  return escaped
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** The attributes of an opening tag. */
export function attributes(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [, name, value] of tag.matchAll(/([\w:-]+)="([^"]*)"/g))
    out[name] = decodeEntities(value);
  return out;
}

/** One attribute of the first tag matching `tag`. */
export function attr(html: string, tag: RegExp, name: string): string | undefined {
  const match = tag.exec(html);
  return match ? attributes(match[0])[name] : undefined;
}

/** Visible text: tags removed, entities decoded, whitespace collapsed. */
export function text(html: string): string {
  return decodeEntities(html.replace(/<[^>]*>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim();
}

/** The inner HTML of the element with this id (elements of that tag must not nest); throws if absent. */
export function byId(html: string, id: string): string {
  const open = new RegExp(`<([a-z0-9]+)\\b[^>]*\\bid="${id}"[^>]*>`).exec(html);
  if (!open) throw new Error(`no element #${id} in the page`);
  const start = open.index + open[0].length;
  // Prettier may break a closing tag across lines (`</span\n>`).
  const close = new RegExp(`</${open[1]}\\s*>`, 'g');
  close.lastIndex = start;
  const end = close.exec(html)?.index ?? html.length;
  return html.slice(start, end);
}

/** One table row: its `data-*` attributes and the text of its cells. */
export interface Row {
  data: Record<string, string>;
  cells: string[];
}

/** The rows of `<tbody>` of the table with this id. */
export function tableRows(html: string, id: string): Row[] {
  const table = byId(html, id);
  const body = /<tbody>([\s\S]*?)<\/tbody\s*>/.exec(table)?.[1] ?? '';
  return [...body.matchAll(/(<tr\b[^>]*>)([\s\S]*?)<\/tr\s*>/g)].map(([, open, inner]) => ({
    data: attributes(open),
    cells: [...inner.matchAll(/<td\b[^>]*>([\s\S]*?)<\/td\s*>/g)].map(([, cell]) => text(cell)),
  }));
}

/** The chart's month groups, as numbers. */
export function chartMonths(html: string): { month: string; count: number; paidCents: number }[] {
  return [...html.matchAll(/<g\b[^>]*\bclass="month"[^>]*>/g)].map(([tag]) => {
    const a = attributes(tag);
    return {
      month: a['data-month'],
      count: Number(a['data-count']),
      paidCents: Number(a['data-paid-cents']),
    };
  });
}

/**
 * The first piece of markup that could run script or restyle the page: a `<script>`/`<img>`/
 * `<iframe>` tag, or an `on…=` / `style=` attribute (quoted attribute values are skipped, since
 * text inside them is inert). Undefined when the page is clean.
 */
export function unsafeMarkup(html: string): string | undefined {
  for (const [tag] of html.matchAll(/<[a-z][^>]*>/gi)) {
    if (/^<(script|img|iframe|object|embed)\b/i.test(tag)) return tag;
    if (/\s(on[a-z]+|style)\s*=/i.test(tag.replace(/"[^"]*"/g, '""'))) return tag;
  }
  return undefined;
}
