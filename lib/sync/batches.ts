import { Observable } from 'rxjs';
import type {
  SyncDoneEvent,
  SyncEvent,
  SyncResourceType,
  SyncedResource,
} from '../fhir/sync/sync.types.js';

/** Consecutive resources of one type, at most the batch size. */
export interface SyncBatch {
  kind: 'batch';
  resourceType: SyncResourceType;
  resources: SyncedResource[];
}

/**
 * Groups a pass's resources into batches of at most `size` resources of one type, in order, and
 * passes the `done` event through after the last batch.
 */
export function inBatches(size: number) {
  return (source: Observable<SyncEvent>) =>
    new Observable<SyncBatch | SyncDoneEvent>(subscriber => {
      let batch: SyncBatch | undefined;
      const flush = () => {
        if (batch) subscriber.next(batch);
        batch = undefined;
      };
      return source.subscribe({
        next: event => {
          if (event.kind === 'done') {
            flush();
            subscriber.next(event);
            return;
          }
          if (
            batch &&
            (batch.resourceType !== event.resourceType || batch.resources.length >= size)
          )
            flush();
          batch ??= { kind: 'batch', resourceType: event.resourceType, resources: [] };
          batch.resources.push(event.resource);
        },
        error: error => subscriber.error(error),
        complete: () => {
          flush();
          subscriber.complete();
        },
      });
    });
}
