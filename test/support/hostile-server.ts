import { once } from 'node:events';
import {
  createServer,
  type IncomingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gzipSync } from 'node:zlib';

/** One request the server received. */
export interface SeenRequest {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  /** The request body (a token POST's form). */
  body: string;
}

/** What became of one answer: how much of it was written before the client went away. */
export interface AnswerRecord {
  path: string;
  bytesWritten: number;
  /** The client closed the connection before the answer was complete. */
  cutShort: boolean;
}

/** Answers one request; `index` counts the requests this answer has served (from 0). */
export type Answer = (req: SeenRequest, res: ServerResponse, index: number) => void | Promise<void>;

/** No scripted answer streams more than this, whatever the client does: a guard for the machine. */
const SAFETY_CAP_BYTES = 512 * 1024 * 1024;

/**
 * A local HTTP server that answers whatever the test scripts: huge or endless bodies, gzip bombs,
 * JSON of the wrong shape, echoes of the request. It records every request and how each answer
 * ended, so a test can assert the exact number of requests and that the client stopped reading.
 */
export class HostileServer {
  /** Every request received, in order. */
  readonly seen: SeenRequest[] = [];
  /** Every answer streamed, in order. */
  readonly answers: AnswerRecord[] = [];
  private routes: { prefix: string; answer: Answer; served: number }[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    /** `http://127.0.0.1:<port>`. */
    readonly baseUrl: string,
  ) {}

  /** Starts a server on a free loopback port. */
  static async start(): Promise<HostileServer> {
    let self: HostileServer | undefined;
    const server = createServer((req, res) => void self!.handle(req, res));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    self = new HostileServer(server, `http://127.0.0.1:${port}`);
    server.on('connection', socket => {
      self!.sockets.add(socket);
      socket.once('close', () => self!.sockets.delete(socket));
    });
    return self;
  }

  /** Answers requests whose path starts with `prefix` (the newest matching route wins). */
  route(prefix: string, answer: Answer): this {
    this.routes.unshift({ prefix, answer, served: 0 });
    return this;
  }

  /** Forgets the routes, requests and answers (between tests). */
  reset(): void {
    this.routes = [];
    this.seen.length = 0;
    this.answers.length = 0;
  }

  /** The requests whose path starts with `prefix`. */
  requestsTo(prefix: string): SeenRequest[] {
    return this.seen.filter(r => r.url.pathname.startsWith(prefix));
  }

  /** Stops the server, cutting every open connection. */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise(resolve => this.server.close(resolve));
  }

  private async handle(
    req: import('node:http').IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    let body = '';
    for await (const chunk of req) body += String(chunk);
    const seen: SeenRequest = {
      method: req.method ?? 'GET',
      url: new URL(req.url ?? '/', 'http://x'),
      headers: req.headers,
      body,
    };
    this.seen.push(seen);
    const route = this.routes.find(r => seen.url.pathname.startsWith(r.prefix));
    const record: AnswerRecord = { path: seen.url.pathname, bytesWritten: 0, cutShort: false };
    this.answers.push(record);
    const count = (chunk: unknown) => {
      if (typeof chunk === 'string' || Buffer.isBuffer(chunk))
        record.bytesWritten += Buffer.byteLength(chunk);
    };
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      count(chunk);
      return write(chunk, ...rest);
    }) as typeof res.write;
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      count(chunk);
      return end(chunk, ...rest);
    }) as typeof res.end;
    res.once('close', () => (record.cutShort = !res.writableFinished));
    try {
      if (!route) return json(404, { detail: 'Not found.' })(seen, res, 0);
      await route.answer(seen, res, route.served++);
    } catch {
      res.destroy();
    }
  }
}

/** A JSON answer. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Answer {
  return (_req, res) => {
    const payload = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(payload);
  };
}

/** A text answer of any content type. */
export function text(status: number, body: string, contentType = 'text/html'): Answer {
  return (_req, res) => {
    res.writeHead(status, { 'Content-Type': contentType });
    res.end(body);
  };
}

/** Answers the n-th request with `answers[n]` (the last one repeats). */
export function sequence(...answers: Answer[]): Answer {
  return (req, res, index) => answers[Math.min(index, answers.length - 1)]!(req, res, index);
}

/**
 * A 200 JSON body of `totalBytes` (Infinity: endless, chunked), written as fast as the client
 * reads and stopped as soon as it goes away. With `contentLength` the size is announced up front.
 */
export function flood(totalBytes: number, options: { contentLength?: boolean } = {}): Answer {
  return async (_req, res) => {
    const headers: Record<string, string | number> = { 'Content-Type': 'application/fhir+json' };
    if (options.contentLength && Number.isFinite(totalBytes))
      headers['Content-Length'] = totalBytes;
    res.writeHead(200, headers);
    const chunk = Buffer.alloc(64 * 1024, 0x20); // spaces: valid JSON padding
    await pump(res, Math.min(totalBytes, SAFETY_CAP_BYTES), () => chunk);
  };
}

/** A gzip bomb: a small body that inflates to `inflatedBytes` of spaces (concatenated gzip members). */
export function gzipBomb(inflatedBytes: number): Answer {
  const member = gzipSync(Buffer.alloc(16 * 1024 * 1024, 0x20), { level: 9 });
  const members = Math.ceil(inflatedBytes / (16 * 1024 * 1024));
  return async (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
    await pump(res, members * member.length, () => member);
  };
}

/** Writes chunks until `total` bytes, respecting backpressure; stops when the client goes away. */
async function pump(res: ServerResponse, total: number, next: () => Buffer): Promise<void> {
  let written = 0;
  const closed = once(res, 'close').catch(() => undefined);
  while (written < total && !res.destroyed) {
    const chunk = next().subarray(0, total - written);
    written += chunk.length;
    if (!res.write(chunk)) {
      await Promise.race([once(res, 'drain'), closed]);
    }
  }
  if (!res.destroyed) res.end();
}
