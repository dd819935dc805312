import { Controller, Get, Redirect, Req, Res } from '@nestjs/common';
import {
  BlueButtonLoginFlow,
  BlueButtonToken,
  FhirHttpError,
  FhirService,
  toInsuranceCard,
  type AuthorizationToken,
  type BlueButtonHttpRequest,
} from 'nestjs-bluebutton';
import { catchError, map, of, throwError } from 'rxjs';

const FINAL_ACTION = 'https://bluebutton.cms.gov/fhir/CodeSystem/Final-Action|FinalAction';

/**
 * v2 users log in at the built-in /bluebutton/login (the configured version); v3 early adopters at
 * /bluebutton/login/v3. Each token carries its version, and every call follows it.
 */
@Controller()
export class V3Controller {
  constructor(
    private readonly flow: BlueButtonLoginFlow,
    private readonly fhir: FhirService,
  ) {}

  /** The same login handling, through API v3 — which must name the scopes it asks for. */
  @Get('bluebutton/login/v3')
  @Redirect()
  login(@Req() req: BlueButtonHttpRequest, @Res({ passthrough: true }) res: unknown) {
    return this.flow.login(req, res, {
      version: 3,
      scopes: [
        'openid',
        'patient/Patient.rs',
        'patient/Coverage.rs',
        'patient/ExplanationOfBenefit.rs',
      ],
    });
  }

  /** The digital insurance card. A v2 token fails with ApiVersionMismatchError; nothing is sent. */
  @Get('card')
  card(@BlueButtonToken() token: AuthorizationToken) {
    return this.fhir.getInsuranceCardData(token).pipe(map(({ data }) => toInsuranceCard(data)));
  }

  /** Final claims without the 42 CFR Part 2 ones; `strict` makes a mistyped parameter a 400. */
  @Get('claims/final')
  finalClaims(@BlueButtonToken() token: AuthorizationToken) {
    const params = { _tag: FINAL_ACTION, '_security:not': '42CFRPart2', _count: 50 };
    return this.fhir.getExplanationOfBenefitData(token, params, { strict: true }).pipe(
      map(({ data }) => ({ claims: data.entry?.length ?? 0 })),
      // v3 relays the FHIR server's OperationOutcome: its issues, bounded and scrubbed.
      catchError((error: unknown) =>
        error instanceof FhirHttpError && error.status === 400
          ? of({ problems: error.issues.map(issue => issue.diagnostics) })
          : throwError(() => error),
      ),
    );
  }
}
