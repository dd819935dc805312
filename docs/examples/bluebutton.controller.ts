import { Controller, Get, Query, Redirect } from '@nestjs/common';
import {
  AuthorizationDeniedError,
  AuthService,
  FhirService,
  type CallbackParams,
} from 'nestjs-bluebutton';
import { firstValueFrom } from 'rxjs';

/** The official SDKs' Flask/Express example, the Nest way. */
@Controller()
export class BlueButtonController {
  constructor(
    private readonly auth: AuthService,
    private readonly fhir: FhirService,
  ) {}

  /** Sends the beneficiary to Blue Button. State and PKCE verifier are kept in the store, per login. */
  @Get()
  @Redirect()
  async authorize() {
    const { url } = await firstValueFrom(this.auth.startAuthorization());
    return { url };
  }

  /** Blue Button redirects back here: exchange the code, then fetch the beneficiary's data. */
  @Get('api/bluebutton/callback/')
  async callback(@Query() query: CallbackParams) {
    let token;
    try {
      ({ token } = await firstValueFrom(this.auth.completeAuthorization(query)));
    } catch (error) {
      if (error instanceof AuthorizationDeniedError)
        return { message: 'Beneficiary denied app access to their data' };
      throw error;
    }

    // The first page of claims, then every following page; each call returns the token in force,
    // which is refreshed automatically when it expires (pass it on to the next call).
    const eob = await firstValueFrom(this.fhir.getExplanationOfBenefitData(token));
    const all = await firstValueFrom(this.fhir.getPages(eob.data, eob.token));
    const coverage = await firstValueFrom(this.fhir.getCoverageData(all.token));

    // A beneficiary may withhold demographics: then there is no Patient scope and no profile.
    if (!coverage.token.hasScope('patient/Patient.rs')) {
      return {
        eobData: all.pages,
        coverageData: coverage.data,
        patientData: null,
        profileData: null,
      };
    }
    const patient = await firstValueFrom(this.fhir.getPatientData(coverage.token));
    const profile = await firstValueFrom(this.fhir.getProfileData(patient.token));
    return {
      eobData: all.pages,
      coverageData: coverage.data,
      patientData: patient.data,
      profileData: profile.data,
    };
  }
}
