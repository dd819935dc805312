import { Controller, Get, UseGuards } from '@nestjs/common';
import {
  BlueButtonScopeGuard,
  BlueButtonToken,
  FhirService,
  RequireScopes,
  type AuthorizationToken,
} from 'nestjs-bluebutton';
import type { ExplanationOfBenefit } from 'fhir/r4.js';
import { map, switchMap, toArray } from 'rxjs';

/**
 * With `routes: true`, users log in at /bluebutton/login and the callback stores their token in a
 * signed cookie session. @BlueButtonToken() reads it back (401 with a loginUrl when there is none).
 */
@Controller('claims')
@UseGuards(BlueButtonScopeGuard)
export class ClaimsController {
  constructor(private readonly fhir: FhirService) {}

  /** Every claim, streamed page by page (4 pages fetched at once) into a short summary. */
  @Get()
  @RequireScopes('patient/ExplanationOfBenefit.rs')
  claims(@BlueButtonToken() token: AuthorizationToken) {
    return this.fhir.getExplanationOfBenefitData(token, { _count: 50 }).pipe(
      switchMap(first => this.fhir.resources<ExplanationOfBenefit>(first.data, first.token)),
      map(({ resource }) => ({
        id: resource.id,
        date: resource.billablePeriod?.start,
        paid: resource.payment?.amount?.value ?? null,
      })),
      toArray(),
    );
  }

  /** Demographics need the Patient scope: a beneficiary who withheld them gets a 403 naming it. */
  @Get('me')
  @RequireScopes('patient/Patient.rs', 'profile')
  me(@BlueButtonToken() token: AuthorizationToken) {
    return this.fhir
      .getProfileData(token)
      .pipe(map(({ data }) => ({ name: data.name, patient: data.patient })));
  }
}
