/** One request the emulator received. */
export interface RecordedRequest {
  method: string;
  /** Path without the query. */
  path: string;
  /** Path plus query, as sent. */
  url: string;
  query: URLSearchParams;
  /** Lower-cased header names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  /** Parsed urlencoded body (last value wins for repeated keys), when there was one. */
  form?: Record<string, string>;
  /** Wall-clock arrival time (epoch ms; real time, so retry delays can be measured). */
  receivedAt: number;
  /**
   * The delay the emulator added before answering (a latency fault, `setLatency`, `latencyMs`,
   * `latencyPerEntryMs`), in ms; set once the answer is written (or the connection dropped).
   */
  latencyMs?: number;
  /**
   * The emulator's own time on the request (routing, building, compressing, writing), in ms,
   * without that delay; set once the answer is written.
   */
  servedMs?: number;
}

/** JSON form served by `GET /__emulator/requests` (query values are arrays). */
export interface RecordedRequestJson extends Omit<RecordedRequest, 'query'> {
  query: Record<string, string[]>;
}

/** Matches a path prefix (string) or a RegExp tested on path + query. */
export function pathMatches(r: RecordedRequest, path: string | RegExp): boolean {
  if (typeof path === 'string') return r.path.startsWith(path);
  path.lastIndex = 0;
  return path.test(r.url);
}

/** Bounded in-memory record of requests. */
export class RequestLog {
  private readonly items: RecordedRequest[] = [];

  /** Keeps at most `max` requests. */
  constructor(private readonly max: number) {}

  /** Appends one request, forgetting the oldest past `max`. */
  add(r: RecordedRequest): void {
    this.items.push(r);
    if (this.items.length > this.max) this.items.splice(0, this.items.length - this.max);
  }

  /** Every request still recorded, oldest first. */
  all(): RecordedRequest[] {
    return [...this.items];
  }

  /** Requests whose path matches, optionally with this method. */
  to(path: string | RegExp, method?: string): RecordedRequest[] {
    const m = method?.toUpperCase();
    return this.items.filter(r => pathMatches(r, path) && (!m || r.method === m));
  }

  /** Forgets everything. */
  clear(): void {
    this.items.length = 0;
  }
}

/** JSON-friendly copy of a record. */
export function requestToJson(r: RecordedRequest): RecordedRequestJson {
  const query: Record<string, string[]> = {};
  for (const [k, v] of r.query) (query[k] ??= []).push(v);
  return { ...r, query };
}
