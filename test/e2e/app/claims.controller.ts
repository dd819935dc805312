import { Controller, Get, UseGuards } from '@nestjs/common';
import {
  BlueButtonScopeGuard,
  BlueButtonToken,
  FhirService,
  RequireScopes,
  type AuthorizationToken,
} from 'nestjs-bluebutton';
import { map, type Observable } from 'rxjs';

/** The e2e test app's routes: each answers with facts that reveal which token it used. */
@Controller('api')
@UseGuards(BlueButtonScopeGuard)
export class ClaimsController {
  constructor(private readonly fhir: FhirService) {}

  /** Whose token this request carries. */
  @Get('whoami')
  whoami(@BlueButtonToken() token: AuthorizationToken) {
    return { patient: token.patient };
  }

  /** A data call: whose Coverage came back, and the access token's tail (to follow refreshes). */
  @Get('coverage')
  coverage(
    @BlueButtonToken() token: AuthorizationToken,
  ): Observable<{ beneficiary?: string; total?: number }> {
    return this.fhir.getCoverageData(token).pipe(
      map(({ data }) => ({
        beneficiary: data.entry?.[0]?.resource?.beneficiary?.reference,
        total: data.total,
      })),
    );
  }

  /** Needs demographics: 403 for a beneficiary who did not share them. */
  @Get('demographics')
  @RequireScopes('patient/Patient.rs')
  demographics(@BlueButtonToken() token: AuthorizationToken) {
    return this.fhir
      .getPatientData(token)
      .pipe(map(({ data }) => ({ id: data.entry?.[0]?.resource?.id })));
  }

  /** Works with or without a connected account. */
  @Get('maybe')
  maybe(@BlueButtonToken({ optional: true }) token?: AuthorizationToken) {
    return { connected: token !== undefined };
  }
}
