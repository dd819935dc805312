import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EmulatorContext } from './core/context.js';
import type { FaultInjector } from './control/faults.js';
import type { RequestHooks } from './control/hooks.js';
import { faultResponse } from './control/fault-response.js';
import { parseForm, readBody } from './http/form.js';
import { parseCookies, type EmuRequest } from './http/request.js';
import { HTML, JSON_TYPE, pyJsonResponse, type EmuResponse } from './http/response.js';
import { writeResponse } from './http/writer.js';
import { modelDelay, type LatencyModel } from './latency.js';
import type { RecordedRequest, RequestLog } from './control/request-log.js';
import { isResourceView, route } from './router.js';

/** What the HTTP server needs from the emulator that owns it. */
export interface ServerDeps {
  ctx: EmulatorContext;
  faults: FaultInjector;
  hooks: RequestHooks;
  log: RequestLog;
  /** `/__emulator/*`, or undefined when the control endpoints are off. */
  control: ((req: EmuRequest) => EmuResponse | Promise<EmuResponse>) | undefined;
  latency: LatencyModel;
  gzip: boolean;
  publicUrl: string | undefined;
}

const sleep = (ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms));

/**
 * The emulator's HTTP server: parses each request as Django would, records it, runs request hooks,
 * applies injected latency and faults, routes it and writes the answer.
 */
export class EmulatorServer {
  /** `http://host:port` once listening. */
  baseUrl = '';
  /** The bound port once listening. */
  port = 0;
  private readonly server: Server;

  /** Creates the (not yet listening) server. */
  constructor(private readonly deps: ServerDeps) {
    this.server = createServer((req, res) => {
      this.onRequest(req, res).catch(() => {
        if (!res.headersSent) {
          // BB2's handler500 is DRF's `server_error`, a Django JsonResponse.
          res.writeHead(500, { 'content-type': JSON_TYPE });
          res.end('{"error": "Server Error (500)"}');
        } else {
          res.destroy();
        }
      });
    });
    this.server.keepAliveTimeout = 5_000;
  }

  /** Listens on `host:port` (port 0 picks a free one). */
  listen(port: number, host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        this.port = (this.server.address() as AddressInfo).port;
        const shown = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
        this.baseUrl = `http://${shown}:${this.port}`;
        resolve();
      });
    });
  }

  /** Stops listening and drops every open connection. */
  close(): Promise<void> {
    return new Promise(resolve => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private origin(req: IncomingMessage): string {
    if (this.deps.publicUrl) return this.deps.publicUrl;
    const host = req.headers.host;
    const proto = req.headers['x-forwarded-proto'] === 'https' ? 'https' : 'http';
    return host && /^[A-Za-z0-9.\-[\]:]+$/.test(host) ? `${proto}://${host}` : this.baseUrl;
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAt = Date.now();
    const arrived = performance.now();
    const rawBody = await readBody(req);
    if (!rawBody) {
      res.writeHead(413, { 'content-type': HTML, connection: 'close' });
      res.end('Request body too large');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    const method = (req.method ?? 'GET').toUpperCase();
    const parsed = await parseForm(method, String(req.headers['content-type'] ?? ''), rawBody);
    const emuReq: EmuRequest = {
      method,
      path: url.pathname,
      search: url.search,
      query: url.searchParams,
      headers: req.headers,
      form: 'form' in parsed ? parsed.form : undefined,
      rawBody,
      cookies: parseCookies(req.headers.cookie),
      origin: this.origin(req),
    };

    const { deps } = this;
    if (url.pathname.startsWith('/__emulator/')) {
      // Control calls are never recorded, so tests can inspect the log without disturbing it.
      const answer = deps.control ? await deps.control(emuReq) : route(deps.ctx, emuReq);
      writeResponse(res, emuReq, answer, deps.gzip);
      return;
    }

    const recorded = this.record(emuReq, receivedAt);
    await deps.hooks.run('before', recorded);
    let delay = deps.faults.latencyFor(method, url.pathname, url.search);
    const fault = deps.faults.take(method, url.pathname, url.search);
    if (fault && 'drop' in fault) {
      delay = fault.latencyMs ?? 0;
      const work = performance.now() - arrived;
      if (delay > 0) await sleep(delay);
      res.socket?.destroy();
      Object.assign(recorded, { latencyMs: delay, servedMs: work });
      return;
    }
    if (fault) delay += fault.latencyMs ?? 0;
    let response: EmuResponse;
    if (fault && 'status' in fault) response = faultResponse(fault, emuReq);
    // Django turns a MultiPartParserError into its 400 handler, DRF's `bad_request` on BB2.
    else if ('error' in parsed) response = pyJsonResponse(400, { error: 'Bad Request (400)' });
    else response = route(deps.ctx, emuReq);
    if (isResourceView(url.pathname)) delay += modelDelay(deps.latency, response.entries ?? 0);
    // The emulator's own time is what it spends outside the injected delay, however long the
    // timer really slept.
    let work = performance.now() - arrived;
    if (delay > 0) await sleep(delay);
    const written = performance.now();
    writeResponse(res, emuReq, response, deps.gzip);
    work += performance.now() - written;
    Object.assign(recorded, { latencyMs: delay, servedMs: work });
    await deps.hooks.run('after', recorded);
  }

  private record(req: EmuRequest, receivedAt: number): RecordedRequest {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    }
    let form: Record<string, string> | undefined;
    if (req.form) {
      form = {};
      for (const [k, v] of req.form) form[k] = v;
    }
    const recorded: RecordedRequest = {
      method: req.method,
      path: req.path,
      url: `${req.path}${req.search}`,
      query: new URLSearchParams(req.query),
      headers,
      ...(form ? { form } : {}),
      receivedAt,
    };
    this.deps.log.add(recorded);
    return recorded;
  }
}
