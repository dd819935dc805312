/** One `FhirService.sync()` pass, collected for assertions. */
import {
  isSyncDone,
  isSyncResource,
  type AuthorizationToken,
  type FhirService,
  type SyncDoneEvent,
  type SyncOptions,
} from 'nestjs-bluebutton';
import { lastValueFrom, toArray } from 'rxjs';
import type { ResourceVersions } from './emulator-data.js';

/** One pass: what it emitted, keyed like {@link emulatorData}, and its `done` event. */
export async function pass(
  fhir: FhirService,
  token: AuthorizationToken,
  options: SyncOptions = {},
): Promise<{ changed: ResourceVersions; done: SyncDoneEvent; emitted: number }> {
  const events = await lastValueFrom(fhir.sync(token, options).pipe(toArray()));
  const resources = events.filter(isSyncResource);
  const done = events.filter(isSyncDone);
  expect(done).toHaveLength(1);
  expect(events.at(-1)).toBe(done[0]);
  const changed: ResourceVersions = new Map(
    resources.map(e => [
      `${e.resourceType}/${e.resource.id}`,
      Date.parse(e.resource.meta!.lastUpdated!),
    ]),
  );
  return { changed, done: done[0]!, emitted: resources.length };
}
