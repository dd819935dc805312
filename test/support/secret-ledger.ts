import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import type { LoggerService } from '@nestjs/common';
import { AuthorizationToken } from 'nestjs-bluebutton';

/**
 * Every secret a test suite used, and every text the package produced from it: log lines and
 * errors rendered every way an app renders them (message, `String`, `JSON.stringify`,
 * `util.inspect`, stack, each `cause`). {@link check} greps all of them for every secret, in the
 * forms an echo takes (raw, percent-encoded, JSON-escaped).
 */
export class SecretLedger {
  private readonly secrets = new Set<string>();
  private readonly texts: string[] = [];

  /** A Nest logger that records every line, at every level, into this ledger. */
  readonly logger: LoggerService = {
    log: (...args: unknown[]) => this.line('log', args),
    error: (...args: unknown[]) => this.line('error', args),
    warn: (...args: unknown[]) => this.line('warn', args),
    debug: (...args: unknown[]) => this.line('debug', args),
    verbose: (...args: unknown[]) => this.line('verbose', args),
    fatal: (...args: unknown[]) => this.line('fatal', args),
  };

  /** A fresh random secret (`label-` + 32 base64url characters), recorded. */
  secret(label: string): string {
    return this.add(`${label}-${randomBytes(24).toString('base64url')}`);
  }

  /** Records a secret the suite did not generate (e.g. a PKCE verifier); returns it. */
  add(secret: string): string {
    this.secrets.add(secret);
    return secret;
  }

  /** A valid token whose access and refresh tokens are fresh recorded secrets. */
  token(expiresInS = 3600): AuthorizationToken {
    return AuthorizationToken.fromJSON({
      accessToken: this.secret('access'),
      refreshToken: this.secret('refresh'),
      tokenType: 'Bearer',
      expiresIn: expiresInS,
      expiresAt: new Date(Date.now() + expiresInS * 1000).toISOString(),
      scope: ['patient/ExplanationOfBenefit.rs', 'patient/Coverage.rs', 'patient/Patient.rs'],
      patient: '-19990000000001',
      accessGrantExpiration: null,
    });
  }

  /** Records an error in every rendering an app or a logging library would produce. */
  error<E>(error: E): E {
    const seen = new Set<unknown>();
    for (let e: unknown = error; e && !seen.has(e); e = (e as { cause?: unknown }).cause) {
      seen.add(e);
      this.texts.push(String(e), inspect(e, { depth: 20 }));
      if (e instanceof Error) this.texts.push(e.message, e.stack ?? '');
      try {
        this.texts.push(JSON.stringify(e) ?? '');
      } catch (failure) {
        this.texts.push(`JSON.stringify threw ${String(failure)}`);
      }
      if (e && typeof e === 'object') {
        for (const value of Object.values(e)) this.texts.push(inspect(value, { depth: 20 }));
      }
    }
    return error;
  }

  /** Records texts produced elsewhere (a child process' renderings of its errors). */
  text(...texts: string[]): void {
    this.texts.push(...texts);
  }

  /** The number of distinct secrets, and those found in any recorded text (in any echo form). */
  check(): { secrets: number; texts: number; found: string[] } {
    const found: string[] = [];
    for (const secret of this.secrets) {
      const forms = [secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)];
      if (this.texts.some(t => forms.some(f => t.includes(f)))) found.push(secret);
    }
    return { secrets: this.secrets.size, texts: this.texts.length, found };
  }

  /** Asserts in `afterAll` that no secret was found, and reports the counts. */
  expectClean(suite: string): void {
    const { secrets, texts, found } = this.check();
    console.info(
      `[hostile secrets] ${suite}: ${secrets} distinct secrets checked in ${texts} log lines and renderings; found ${found.length}`,
    );
    expect(found).toEqual([]);
  }

  private line(level: string, args: unknown[]): void {
    this.texts.push(
      `${level} ${args.map(a => (typeof a === 'string' ? a : inspect(a))).join(' ')}`,
    );
  }
}
