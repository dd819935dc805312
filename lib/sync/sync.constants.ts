/** The BullMQ queue of the sync module (`@InjectQueue(BLUEBUTTON_SYNC_QUEUE)` reaches it). */
export const BLUEBUTTON_SYNC_QUEUE = 'bluebutton-sync';

/** Job names on the queue. */
export const SYNC_JOB = {
  /** One beneficiary's pass; data `{ tokenKey }`. */
  pass: 'pass',
  /** The schedule's tick: enqueues a pass for every enrolled beneficiary. */
  tick: 'tick',
} as const;

/** The job scheduler id of the repeatable schedule. */
export const SYNC_SCHEDULER_ID = 'bluebutton-sync-schedule';

/** Logger context of the sync module. */
export const SYNC_LOG_CONTEXT = 'BlueButtonSync';

/**
 * The store key of a beneficiary's token: what `BlueButtonSessions` writes for the `tokenKey`
 * option (lib/web/sessions/bluebutton-sessions.service.ts), so that the sync reads, refreshes and
 * writes back the very token the app's requests use.
 */
export function tokenStoreKey(tokenKey: string): string {
  return `user:${tokenKey}`;
}
