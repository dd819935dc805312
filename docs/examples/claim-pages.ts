import { Injectable } from '@nestjs/common';
import { FhirService, type AuthorizationToken } from 'nestjs-bluebutton';
import { firstValueFrom } from 'rxjs';

/** Every claim of a beneficiary, paged two ways. */
@Injectable()
export class ClaimPages {
  constructor(private readonly fhir: FhirService) {}

  /** As few round trips as BB2 allows: after the first page, pages of 50, 4 at a time. */
  async all(token: AuthorizationToken) {
    const first = await firstValueFrom(this.fhir.getExplanationOfBenefitData(token));
    // 2,000 claims: this first page of 10, then 40 pages of 50 (instead of 199 more of 10).
    return firstValueFrom(this.fhir.getPages(first.data, first.token));
  }

  /** The pages exactly as Blue Button returns them, for an app that keeps or shows them page by page. */
  async asServed(token: AuthorizationToken) {
    const first = await firstValueFrom(
      this.fhir.getExplanationOfBenefitData(token, { _count: 20 }),
    );
    return firstValueFrom(this.fhir.getPages(first.data, first.token, { pageSize: 'server' }));
  }
}
