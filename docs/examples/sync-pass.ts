import type { AuthorizationToken, FhirService, SyncedResource } from 'nestjs-bluebutton';
import { concatMap, lastValueFrom } from 'rxjs';

/**
 * One incremental pass by hand: store each changed resource, then return the new watermark, to
 * keep (as a plain string) for the next pass once every resource is stored.
 */
export async function syncOnce(
  fhir: FhirService,
  token: AuthorizationToken,
  since: string | undefined, // undefined the first time: a full pull
  save: (resource: SyncedResource) => Promise<void>,
): Promise<string> {
  let watermark = since;
  await lastValueFrom(
    fhir.sync(token, { since }).pipe(
      // One save at a time, in order; the `done` event comes after the last resource.
      concatMap(async event => {
        if (event.kind === 'resource') await save(event.resource);
        else {
          watermark = event.watermark;
          console.log(event.report); // { ExplanationOfBenefit: { changed, duplicates, pages, full }, … }
        }
      }),
    ),
  );
  return watermark!;
}
