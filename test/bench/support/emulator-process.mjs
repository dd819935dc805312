import { fork } from 'node:child_process';

/**
 * A BlueButtonEmulator in a child process. The parent (the client under test) talks to it over
 * HTTP like to the real API, and over IPC for setup and for counting what reached it.
 */
export class EmulatorProcess {
  #child;
  #pending = new Map();
  #nextId = 0;
  /** `http://127.0.0.1:port`. */
  baseUrl = '';
  /** The ready-made client `{ clientId, clientSecret, redirectUris }`. */
  client;

  /** Starts an emulator with these `BlueButtonEmulator.start()` options. */
  static async start(options) {
    const p = new EmulatorProcess();
    p.#child = fork(new URL('./emulator-child.mjs', import.meta.url), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    p.#child.on('message', ({ id, result, error }) => {
      const waiter = p.#pending.get(id);
      p.#pending.delete(id);
      if (error) waiter?.reject(new Error(`emulator process: ${error}`));
      else waiter?.resolve(result);
    });
    p.#child.on('exit', code => {
      for (const w of p.#pending.values()) w.reject(new Error(`emulator process exited (${code})`));
      p.#pending.clear();
    });
    const { baseUrl, client } = await p.#call('start', options);
    p.baseUrl = baseUrl;
    p.client = client;
    return p;
  }

  /** The emulator process id (to read its RSS, or to tell it apart). */
  get pid() {
    return this.#child.pid;
  }

  #call(cmd, args) {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#child.send({ id, cmd, args });
    });
  }

  static #path(path) {
    return path instanceof RegExp ? { source: path.source, flags: path.flags } : path;
  }

  /** BB2's token JSON for a fresh consent of `user`. */
  getToken(user) {
    return this.#call('getToken', { user });
  }

  /** How many recorded requests went to this path prefix (or RegExp) and method. */
  count(path, method) {
    return this.#call('count', { path: EmulatorProcess.#path(path), method });
  }

  /** The recorded requests (url and headers) to this path prefix (or RegExp) and method. */
  requests(path, method) {
    return this.#call('requests', { path: EmulatorProcess.#path(path), method });
  }

  /**
   * The recorded requests to this path prefix (or RegExp) and method as `{ url, latencyMs,
   * servedMs }`: the delay the emulator injected and its own time on each.
   */
  timings(path, method) {
    return this.#call('timings', { path: EmulatorProcess.#path(path), method });
  }

  /** Forgets the recorded requests. */
  clearRequests() {
    return this.#call('clearRequests');
  }

  /** Persistent latency on a target (`null` removes it). */
  setLatency(target, ms) {
    return this.#call('setLatency', { target, ms });
  }

  /** Stops the emulator and its process. */
  async close() {
    const exited = new Promise(resolve => this.#child.once('exit', resolve));
    await this.#call('close').catch(() => undefined);
    await exited;
  }
}
