import { BlueButtonError } from '../../errors/bluebutton.errors.js';

/** What is wrong with a watermark given to `FhirService.sync()`. */
export type SyncWatermarkProblem = 'malformed' | 'unsupported-version' | 'other-beneficiary';

const ADVICE: Record<SyncWatermarkProblem, string> = {
  malformed:
    'Pass the "watermark" of a previous pass\'s "done" event unchanged, or omit "since" to start over with a full pull',
  'unsupported-version':
    'It was written by a newer version of nestjs-bluebutton: upgrade, or omit "since" to start over with a full pull',
  'other-beneficiary':
    'Each beneficiary (and API version) needs its own watermark: omit "since" to start this one over with a full pull',
};

/**
 * The `since` given to `FhirService.sync()` is not a watermark this package wrote for this
 * beneficiary. Nothing was fetched: the pass never falls back to a full pull on its own.
 */
export class SyncWatermarkError extends BlueButtonError {
  readonly code = 'BB_SYNC_WATERMARK';

  /** Creates the error; `detail` names the defect, never the watermark's content. */
  constructor(
    readonly problem: SyncWatermarkProblem,
    detail: string,
  ) {
    super(`Invalid sync watermark (${detail}). ${ADVICE[problem]}.`);
  }
}
