/**
 * A real, private `redis-server` for tests: each {@link RedisServer} runs its own process on a free
 * loopback port with its own data directory, persisted with an fsync-always AOF so that whatever
 * was written survives {@link RedisServer.stop} + {@link RedisServer.restart} (an outage), even a
 * SIGKILL. Nothing is shared with any Redis already running on the machine.
 *
 * ```ts
 * describeWithRedis('my suite', () => {
 *   let redis: RedisServer;
 *   beforeAll(async () => { redis = await RedisServer.start(); });
 *   afterAll(() => redis?.cleanup());
 *   it('...', () => { new Redis(redis.url) ... });
 * });
 * ```
 * When `redis-server` is not installed, {@link describeWithRedis} skips its suite LOUDLY (a
 * `console.warn` and a skipped suite whose name says so); `.ci/run` installs it, so CI never skips.
 * Set `REDIS_SERVER_BIN` to use a binary that is not on the PATH.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Absolute path of the `redis-server` binary, or undefined when it is not installed. */
export const REDIS_SERVER_BIN: string | undefined = findRedisServer();

/** The message tests print when they skip for want of `redis-server`. */
export const REDIS_MISSING_MESSAGE =
  'redis-server binary not found ($REDIS_SERVER_BIN, $PATH, /usr/bin, /usr/sbin, /usr/local/bin): ' +
  'the Redis tests are SKIPPED. .ci/run installs it; locally run `sudo apt-get install ' +
  'redis-server` or set REDIS_SERVER_BIN.';

/**
 * `describe` when `redis-server` is available; otherwise warns on the console and registers the
 * suite as skipped under a name that says why, so the skip shows in every reporter.
 */
export function describeWithRedis(name: string, fn: () => void): void {
  if (REDIS_SERVER_BIN) {
    describe(name, fn);
    return;
  }
  console.warn(`\n[SKIPPED] ${name}: ${REDIS_MISSING_MESSAGE}\n`);
  describe.skip(`${name} [SKIPPED: ${REDIS_MISSING_MESSAGE}]`, fn);
}

/** Options of {@link RedisServer.start}. */
export interface RedisServerOptions {
  /** Port to listen on; default a free one picked at random. */
  port?: number;
  /** Data directory (AOF); default a fresh temp dir, removed by {@link RedisServer.cleanup}. */
  dir?: string;
  /** Extra `redis-server` arguments, e.g. `['--requirepass', 'x']`. */
  args?: string[];
  /** How long to wait for the first PONG, ms. Default 10000. */
  readyTimeoutMs?: number;
}

/** One `redis-server` process owned by a test (see the file comment). */
export class RedisServer {
  /** Always the loopback address: the server is never reachable from outside the machine. */
  readonly host = '127.0.0.1';
  private child?: ChildProcess;
  private output = '';
  private readonly ownsDir: boolean;
  private cleanedUp = false;

  private constructor(
    /** The port the server listens on; kept across {@link restart}. */
    readonly port: number,
    /** The data directory; kept across {@link restart}. */
    readonly dir: string,
    private readonly options: RedisServerOptions,
  ) {
    this.ownsDir = options.dir === undefined;
  }

  /** Starts a server and resolves once it answers PING. Throws when `redis-server` is missing. */
  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    if (!REDIS_SERVER_BIN) throw new Error(REDIS_MISSING_MESSAGE);
    const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'bb-redis-'));
    // A port found free can be taken by someone else before redis binds it: try a few.
    for (let attempt = 1; ; attempt++) {
      const port = options.port ?? (await freePort());
      const server = new RedisServer(port, dir, options);
      try {
        await server.launch();
        return server;
      } catch (error) {
        const portClash = /address already in use/i.test(server.output);
        if (!portClash || options.port !== undefined || attempt >= 5) {
          if (server.ownsDir) rmSync(dir, { recursive: true, force: true });
          throw error;
        }
      }
    }
  }

  /** `redis://127.0.0.1:<port>`, for `new Redis(url)`. */
  get url(): string {
    return `redis://${this.host}:${this.port}`;
  }

  /** Whether the process is running. */
  get running(): boolean {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  /** The process id while running (for tests that want to send their own signals). */
  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  /** The server's own log so far (stdout and stderr), for diagnosing a failed start. */
  get log(): string {
    return this.output;
  }

  /**
   * Stops the server: SIGTERM (Redis fsyncs the AOF and exits), then SIGKILL after `graceMs`.
   * `{ signal: 'SIGKILL' }` simulates a crash. Resolves once the process has exited; idempotent.
   */
  async stop(options: { signal?: NodeJS.Signals; graceMs?: number } = {}): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>(resolve => child.once('exit', () => resolve()));
    child.kill(options.signal ?? 'SIGTERM');
    const killed = await Promise.race([
      exited.then(() => false),
      sleep(options.graceMs ?? 5000).then(() => true),
    ]);
    if (killed) {
      child.kill('SIGKILL');
      await exited;
    }
  }

  /** Starts the server again on the same port and data directory; resolves once it answers PING. */
  async restart(): Promise<void> {
    if (this.cleanedUp) throw new Error('RedisServer.restart() after cleanup()');
    await this.stop();
    // The old socket may linger for a moment; redis sets SO_REUSEADDR, but retry briefly anyway.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.launch();
        return;
      } catch (error) {
        if (!/address already in use/i.test(this.output) || attempt >= 20) throw error;
        await sleep(100);
      }
    }
  }

  /** Stops the server and removes the data directory it created. Safe to call twice. */
  async cleanup(): Promise<void> {
    await this.stop();
    if (!this.cleanedUp && this.ownsDir) rmSync(this.dir, { recursive: true, force: true });
    this.cleanedUp = true;
  }

  private async launch(): Promise<void> {
    this.output = '';
    // prettier-ignore
    const args = [
      '--port', String(this.port),
      '--bind', this.host,
      '--save', '',
      '--appendonly', 'yes',
      '--appendfsync', 'always',
      '--dir', this.dir,
      '--daemonize', 'no',
      '--logfile', '',
      ...(this.options.args ?? []),
    ];
    const child = spawn(REDIS_SERVER_BIN!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const collect = (chunk: Buffer) => {
      // Keep the tail only: a long test run must not grow this without bound.
      this.output = (this.output + chunk.toString('utf8')).slice(-20_000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    // A worker that exits without afterAll (crash, timeout) must not leave an orphan server.
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    child.once('exit', () => process.removeListener('exit', killOnExit));

    const spawnFailed = new Promise<never>((_, reject) => {
      child.once('error', error => reject(error));
      // 'close' (not 'exit'): by then the server's last words are in `output`.
      child.once('close', (code, signal) =>
        reject(
          new Error(
            `redis-server exited during startup (code ${code}, signal ${signal}) on port ${this.port}:\n${this.output.slice(-2000)}`,
          ),
        ),
      );
    });
    spawnFailed.catch(() => undefined);
    try {
      await Promise.race([
        waitForPong(this.host, this.port, this.options.readyTimeoutMs ?? 10_000),
        spawnFailed,
      ]);
    } catch (error) {
      if (this.running) await this.stop({ signal: 'SIGKILL' });
      throw error;
    }
  }
}

/** Sends PING over a raw socket until the server answers `+PONG` (not `-LOADING`), or times out. */
async function waitForPong(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await ping(host, port)) return;
    await sleep(20);
  }
  throw new Error(`redis-server on ${host}:${port} did not answer PING within ${timeoutMs} ms`);
}

function ping(host: string, port: number): Promise<boolean> {
  return new Promise(resolve => {
    const socket = createConnection({ host, port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', chunk => {
      reply += chunk.toString('utf8');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

/** A port that was free on the loopback interface a moment ago. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

function findRedisServer(): string | undefined {
  const fromEnv = process.env.REDIS_SERVER_BIN;
  if (fromEnv) return isExecutable(fromEnv) ? fromEnv : undefined;
  const dirs = [
    ...(process.env.PATH ?? '').split(delimiter),
    '/usr/bin',
    '/usr/sbin',
    '/usr/local/bin',
  ];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, 'redis-server');
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
