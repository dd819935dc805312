/** DRF throttle rate: `"100000/s"`-style string or an explicit limit per window. */
export type RateLimitOption = string | { limit: number; windowSeconds: number };

interface Rate {
  limit: number;
  windowMs: number;
}

const PERIODS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Parses DRF's `num/period` (period by first letter: s, m, h, d). */
export function parseRate(option: RateLimitOption): Rate {
  if (typeof option === 'object') {
    if (!(option.limit > 0) || !(option.windowSeconds > 0)) {
      throw new RangeError('rateLimit needs a positive limit and windowSeconds');
    }
    return { limit: Math.floor(option.limit), windowMs: option.windowSeconds * 1000 };
  }
  const m = /^\s*(\d+)\s*\/\s*([smhd])/i.exec(option);
  if (!m) throw new RangeError(`rateLimit "${option}" is not like "100/min"`);
  return {
    limit: Number(m[1]),
    windowMs: (PERIODS[(m[2] as string).toLowerCase()] as number) * 1000,
  };
}

/** The outcome of one throttle check. */
export interface ThrottleResult {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the oldest request in the window leaves it. */
  reset: number;
  /** When refused: DRF's wait, rounded up to whole seconds. */
  retryAfter?: number;
}

/** DRF `SimpleRateThrottle` keyed by access token (BB2's `TokenRateThrottle`). */
export class TokenRateLimiter {
  private readonly rate: Rate;
  private readonly history = new Map<string, number[]>();

  /** Parses the rate once. */
  constructor(option: RateLimitOption) {
    this.rate = parseRate(option);
  }

  /** Records one request at `now` unless the window is full. */
  check(key: string, now: number): ThrottleResult {
    const { limit, windowMs } = this.rate;
    const h = (this.history.get(key) ?? []).filter(t => t > now - windowMs);
    if (h.length >= limit) {
      const oldest = h[0] as number;
      const remainingMs = windowMs - (now - oldest);
      const wait = remainingMs / 1000 / Math.max(1, limit - h.length + 1);
      this.history.set(key, h);
      return {
        allowed: false,
        limit,
        remaining: 0,
        reset: remainingMs / 1000,
        retryAfter: Math.max(1, Math.ceil(wait)),
      };
    }
    h.push(now);
    this.history.set(key, h);
    const oldest = h[0] as number;
    return {
      allowed: true,
      limit,
      remaining: limit - h.length,
      reset: (windowMs - (now - oldest)) / 1000,
    };
  }

  /** Forgets all windows. */
  clear(): void {
    this.history.clear();
  }
}
