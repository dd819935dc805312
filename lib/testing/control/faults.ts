/** Where a fault applies: a path prefix (string) or a RegExp tested on path + query, and a method. */
export interface FaultTarget {
  path: string | RegExp;
  /** HTTP method (case-insensitive); any method when omitted. */
  method?: string;
}

/** Answer with this status instead of the normal response. */
export interface StatusFault {
  status: number;
  /**
   * Body: a string as is, anything else as JSON. Default: BB2's body for that status (a 502 on
   * `/vN/o/token/` is the refresh row `{"status_code": 502, "message": "Failed to retrieve data from data source."}`).
   */
  body?: unknown;
  headers?: Record<string, string>;
  /** `Retry-After`: seconds (number) or an HTTP-date (string). */
  retryAfter?: number | string;
  /** Delay before answering. */
  latencyMs?: number;
}

/** Delay the normal response. */
export interface LatencyFault {
  latencyMs: number;
}

/** Destroy the socket without answering (the client sees a connection reset). */
export interface DropFault {
  drop: true;
  /** Delay before dropping. */
  latencyMs?: number;
}

/** One queued fault; each matching request consumes one. */
export type Fault = StatusFault | LatencyFault | DropFault;

interface Entry {
  target: FaultTarget;
  queue: Fault[];
}

/** A target given as a bare path or RegExp becomes `{ path }`. */
export function normalize(target: FaultTarget | string | RegExp): FaultTarget {
  return typeof target === 'string' || target instanceof RegExp ? { path: target } : target;
}

/** True when a request (method, path, query) falls under a target; preflights only match explicit OPTIONS targets. */
export function matches(
  target: FaultTarget,
  method: string,
  path: string,
  search: string,
): boolean {
  // A browser's CORS preflight must not eat a fault meant for the request that follows it.
  if (!target.method && method === 'OPTIONS') return false;
  if (target.method && target.method.toUpperCase() !== method) return false;
  if (typeof target.path === 'string') return path.startsWith(target.path);
  target.path.lastIndex = 0;
  return target.path.test(path + search);
}

/**
 * Fault injection. Queued faults are consumed one per matching request, in order:
 * `emu.faults.enqueue({ path: '/v2/fhir/Patient', method: 'GET' }, [{ status: 503 }, { status: 503, retryAfter: 1 }])`
 * makes the next two GETs under that prefix fail, and the third succeed. A persistent latency
 * applies to every matching request until it is cleared.
 */
export class FaultInjector {
  private readonly entries: Entry[] = [];
  private readonly latencies: Array<{ target: FaultTarget; ms: number }> = [];

  /** Queues faults for the next matching requests (one fault per request). */
  enqueue(target: FaultTarget | string | RegExp, faults: Fault | Fault[]): this {
    const list = Array.isArray(faults) ? faults : [faults];
    for (const f of list) validateFault(f);
    this.entries.push({ target: normalize(target), queue: [...list] });
    return this;
  }

  /** Adds latency to every matching request; `null` or 0 removes it. */
  setLatency(target: FaultTarget | string | RegExp, ms: number | null): this {
    const t = normalize(target);
    const i = this.latencies.findIndex(
      l => String(l.target.path) === String(t.path) && l.target.method === t.method,
    );
    if (i >= 0) this.latencies.splice(i, 1);
    if (ms) this.latencies.push({ target: t, ms });
    return this;
  }

  /** Number of queued faults not consumed yet. */
  get pending(): number {
    return this.entries.reduce((n, e) => n + e.queue.length, 0);
  }

  /** Drops every queued fault and persistent latency. */
  clear(): void {
    this.entries.length = 0;
    this.latencies.length = 0;
  }

  /** Consumes the next fault for a request, if one matches. */
  take(method: string, path: string, search: string): Fault | undefined {
    for (let i = 0; i < this.entries.length; i++) {
      const e = this.entries[i] as Entry;
      if (e.queue.length > 0 && matches(e.target, method, path, search)) {
        const f = e.queue.shift();
        if (e.queue.length === 0) this.entries.splice(i, 1);
        return f;
      }
    }
    return undefined;
  }

  /** Sum of persistent latencies for a request. */
  latencyFor(method: string, path: string, search: string): number {
    let ms = 0;
    for (const l of this.latencies) if (matches(l.target, method, path, search)) ms += l.ms;
    return ms;
  }
}

function validateFault(f: Fault): void {
  if ('drop' in f) return;
  if ('status' in f) {
    if (!Number.isInteger(f.status) || f.status < 100 || f.status > 599) {
      throw new RangeError(`fault status must be an HTTP status, got ${String(f.status)}`);
    }
    return;
  }
  if (!('latencyMs' in f) || !(f.latencyMs >= 0)) {
    throw new TypeError('a fault needs status, latencyMs or drop');
  }
}
