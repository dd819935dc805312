import { ConsoleLogger, Logger } from '@nestjs/common';

/**
 * Set up for every file of the "shared" project, whose files run one after another in the same
 * process and module cache: undo what a file may have changed process-wide, so no file's outcome
 * depends on which file ran before it in that worker.
 */
afterAll(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
  vi.useRealTimers();
  // `app.useLogger()` replaces Nest's static logger for the whole process.
  Logger.overrideLogger(new ConsoleLogger());
});
