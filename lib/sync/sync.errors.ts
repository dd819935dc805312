import { BlueButtonError } from '../errors/bluebutton.errors.js';

/** `syncNow` was asked for a beneficiary who is not enrolled (nor parked). */
export class SyncNotEnrolledError extends BlueButtonError {
  readonly code = 'BB_SYNC_NOT_ENROLLED';

  /** Creates the error; the token key is not repeated (it is the app's own user id). */
  constructor() {
    super('This beneficiary is not enrolled in the sync: call enroll(tokenKey) first.');
  }
}

/** A pass that `syncNow` waited for failed on every attempt (its retries are exhausted). */
export class SyncPassFailedError extends BlueButtonError {
  readonly code = 'BB_SYNC_PASS_FAILED';

  /** Creates the error from the last attempt's failure message (package errors carry no secrets). */
  constructor(readonly reason: string) {
    super(`The sync pass failed on every attempt: ${reason.slice(0, 300)}`);
  }
}
