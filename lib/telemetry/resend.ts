import { Observable } from 'rxjs';

/** Which retry the re-subscription under way is, and why. */
export interface Resend {
  /** 1 for the first retry (`http.request.resend_count`). */
  count: number;
  /** The `error.type` of the failure that is retried. */
  reason: string;
}

// RxJS `retry` re-subscribes to its source synchronously, inside the delay notifier's emission, and
// the source is the request's own Observable: so the tag below is set exactly while that attempt
// subscribes, and read by it at once. No context manager is needed, and nothing is left behind.
let current: Resend | undefined;

/** `notifier` (a retry's delay), tagging the re-subscription its emission triggers as `resend`. */
export function announcingResend<T>(notifier: Observable<T>, resend: Resend): Observable<T> {
  return new Observable<T>(subscriber =>
    notifier.subscribe({
      next: value => {
        current = resend;
        try {
          subscriber.next(value);
        } finally {
          current = undefined;
        }
      },
      error: error => subscriber.error(error),
      complete: () => subscriber.complete(),
    }),
  );
}

/** The resend whose re-subscription is running now (read once: the tag is cleared), if any. */
export function takeResend(): Resend | undefined {
  const resend = current;
  current = undefined;
  return resend;
}
