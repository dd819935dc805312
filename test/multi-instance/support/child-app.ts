/**
 * Builds and runs the multi-instance test app (../app) as real, separate Node processes, compiled
 * with the shared {@link compileForChild} (see test/support/child-build.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname } from 'node:path';
import { compileForChild } from '../../support/child-build.js';
import { READY_MARKER, type ChildAppEnv, type ReadyLine } from '../app/protocol.js';

const APP_ENTRY = 'test/multi-instance/app/main.ts';

/** A compiled copy of the child app; {@link ChildAppBuild.remove} deletes it. */
export interface ChildAppBuild {
  /** The build folder (under `.test-build/`). */
  dir: string;
  /** The compiled entry point to run with `node`. */
  entry: string;
  /** How long `tsc` took, ms. */
  compileMs: number;
  /** Deletes the build folder. */
  remove(): void;
}

/** Compiles the child app plus the `lib/` it imports into a fresh `.test-build/` subfolder. */
export async function buildChildApp(): Promise<ChildAppBuild> {
  const build = await compileForChild([APP_ENTRY], 'multi-instance');
  return { ...build, entry: build.entry(APP_ENTRY) };
}

/** One running child app process. */
export class AppInstance {
  private constructor(
    /** The instance's name (`A`, `B`). */
    readonly name: string,
    /** `http://127.0.0.1:<port>`. */
    readonly url: string,
    private readonly child: ChildProcess,
    private readonly logs: { text: string },
  ) {}

  /** Starts `build`'s app with `env`; resolves once it printed its ready line. */
  static async start(
    build: ChildAppBuild,
    env: ChildAppEnv,
    readyTimeoutMs = 15_000,
  ): Promise<AppInstance> {
    const child = spawn(process.execPath, [build.entry], {
      cwd: dirname(build.entry),
      // Only what the app needs: nothing of vitest's own environment (NODE_OPTIONS, …) leaks in.
      env: { PATH: process.env.PATH, ...env, NO_COLOR: '1' },
      // The IPC channel is the child's lifeline: it exits when the channel closes (see main.ts).
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    // A worker that exits without afterAll (crash, timeout) must not leave an orphan app.
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    child.once('exit', () => process.removeListener('exit', killOnExit));

    const logs = { text: '' };
    const ready = new Promise<ReadyLine>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`instance ${env.MI_INSTANCE} not ready in ${readyTimeoutMs} ms`)),
        readyTimeoutMs,
      );
      const collect = (chunk: Buffer) => {
        // Keep the tail only (for failure messages); the ready line is looked for as it arrives.
        logs.text = (logs.text + chunk.toString('utf8')).slice(-50_000);
        const line = logs.text.split('\n').find(l => l.startsWith(READY_MARKER));
        if (line) {
          clearTimeout(timer);
          resolve(JSON.parse(line.slice(READY_MARKER.length)) as ReadyLine);
        }
      };
      child.stdout?.on('data', collect);
      child.stderr?.on('data', collect);
      child.once('error', error => {
        clearTimeout(timer);
        reject(error);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`instance ${env.MI_INSTANCE} exited (code ${code}, signal ${signal})`));
      });
    });
    try {
      const line = await ready;
      return new AppInstance(line.instance, line.url, child, logs);
    } catch (error) {
      child.kill('SIGKILL');
      throw new Error(`${(error as Error).message}; its output:\n${logs.text.slice(-4000)}`, {
        cause: error,
      });
    }
  }

  /** Whether the process is still running. */
  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The process' stdout and stderr so far (tail), for diagnosing a failure. */
  get output(): string {
    return this.logs.text;
  }

  /** Kills the process at once with SIGKILL, as a crash would: no shutdown code runs. */
  async kill(): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise<void>(resolve => this.child.once('exit', () => resolve()));
    this.child.kill('SIGKILL');
    await exited;
  }

  /** Stops the process: SIGTERM, then SIGKILL after `graceMs`. Idempotent. */
  async stop(graceMs = 3000): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise<void>(resolve => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}
