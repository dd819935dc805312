import { matches, normalize, type FaultTarget } from './faults.js';
import type { RecordedRequest } from './request-log.js';

/** When a hook runs: before the matching request is handled, or once its answer has been written. */
export type HookPhase = 'before' | 'after';

/** When and how often a request hook fires. */
export interface RequestHookOptions {
  /** Default `'before'`: the request already sees what the hook changed. */
  phase?: HookPhase;
  /** Fire on the nth matching request (1-based); default 1. Earlier matches only count. */
  nth?: number;
  /** How many matching requests (from the nth on) it fires for; default 1, `Infinity` for all. */
  times?: number;
}

/** Something to run when a request arrives. Thrown errors turn that request into a 500. */
export type RequestHookFn = (request: RecordedRequest) => void | Promise<void>;

interface Hook {
  target: FaultTarget;
  fn: RequestHookFn;
  phase: HookPhase;
  nth: number;
  times: number;
  seen: number;
  fired: number;
}

/**
 * Request-triggered callbacks: the seam that lets a test make something happen between two
 * requests of one client pass (a claims load landing between two searches, a grant expiring
 * before the next refresh). Hooks match like faults (path prefix or RegExp on path + query, and
 * a method) and count the requests they see, so "the 3rd EOB page" is `{ nth: 3 }`.
 */
export class RequestHooks {
  private readonly hooks: Hook[] = [];

  /** Adds a hook; returns a function that removes it. */
  add(
    target: FaultTarget | string | RegExp,
    fn: RequestHookFn,
    options: RequestHookOptions = {},
  ): () => void {
    const nth = options.nth ?? 1;
    const times = options.times ?? 1;
    if (!Number.isInteger(nth) || nth < 1) throw new RangeError('nth must be an integer ≥ 1');
    if (!(times >= 1)) throw new RangeError('times must be ≥ 1');
    const hook: Hook = {
      target: normalize(target),
      fn,
      phase: options.phase ?? 'before',
      nth,
      times,
      seen: 0,
      fired: 0,
    };
    this.hooks.push(hook);
    return () => this.remove(hook);
  }

  /** Hooks that may still fire. */
  get pending(): number {
    return this.hooks.length;
  }

  /** Drops every hook. */
  clear(): void {
    this.hooks.length = 0;
  }

  /** Counts the request against every hook of this phase and runs those that are due, in order. */
  async run(phase: HookPhase, request: RecordedRequest): Promise<void> {
    const search = request.url.slice(request.path.length);
    const due: Hook[] = [];
    for (const h of this.hooks) {
      if (h.phase !== phase || !matches(h.target, request.method, request.path, search)) continue;
      h.seen++;
      if (h.seen >= h.nth && h.fired < h.times) {
        h.fired++;
        due.push(h);
      }
    }
    for (const h of due) {
      if (h.fired >= h.times) this.remove(h);
      await h.fn(request);
    }
  }

  private remove(hook: Hook): void {
    const i = this.hooks.indexOf(hook);
    if (i >= 0) this.hooks.splice(i, 1);
  }
}
