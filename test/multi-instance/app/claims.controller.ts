import { createHash } from 'node:crypto';
import { Controller, Get, Inject } from '@nestjs/common';
import { map, type Observable } from 'rxjs';
// Relative to the package source: compiled next to it, this resolves to the compiled `lib/` (see
// ../support/child-app.ts), never to `dist/`, which another test may be rebuilding.
import { BlueButtonToken, FhirService, type AuthorizationToken } from '../../../lib/index.js';

/** DI token of this instance's name (`A`, `B`), echoed in every answer. */
export const INSTANCE_NAME = 'MULTI_INSTANCE_NAME';

/** What `/api/coverage` answers: whose data came back, and which access token fetched it. */
export interface CoverageAnswer {
  instance: string;
  patient?: string;
  beneficiary?: string;
  /** First 16 hex chars of SHA-256(access token sent to Blue Button): comparable, not a secret. */
  accessTokenSha256: string;
}

/** First 16 hex chars of the SHA-256 of an access token (what the app reveals instead of it). */
export function tokenFingerprint(accessToken: string): string {
  return createHash('sha256').update(accessToken).digest('hex').slice(0, 16);
}

/** The multi-instance test app's routes. */
@Controller('api')
export class ClaimsController {
  /** Created by Nest. */
  constructor(
    private readonly fhir: FhirService,
    @Inject(INSTANCE_NAME) private readonly instance: string,
  ) {}

  /** Needs no store: tells the test the process is alive and answering. */
  @Get('ping')
  ping(): { instance: string; pid: number } {
    return { instance: this.instance, pid: process.pid };
  }

  /** A store-backed data call that reveals which patient and which access token it used. */
  @Get('coverage')
  coverage(@BlueButtonToken() token: AuthorizationToken): Observable<CoverageAnswer> {
    return this.fhir.getCoverageData(token).pipe(
      map(({ token: used, data }) => ({
        instance: this.instance,
        patient: used.patient,
        beneficiary: data.entry?.[0]?.resource?.beneficiary?.reference,
        // `used` is the token in force for the call (the refreshed one after a refresh).
        accessTokenSha256: tokenFingerprint(used.accessToken),
      })),
    );
  }
}
