import 'reflect-metadata';
import { startSample } from './server.js';

/** `npm start`: the sample and, unless `.bluebutton-config.json` exists, the embedded emulator. */
async function main(): Promise<void> {
  const sample = await startSample();
  const against =
    sample.mode === 'emulator'
      ? `the embedded Blue Button emulator at ${sample.blueButtonUrl} (log in as BBUser00000 / PW00000!)`
      : `Blue Button ${sample.environment} at ${sample.blueButtonUrl} (settings from .bluebutton-config.json)`;
  console.log(
    `\n  Blue Button sample app: open ${sample.url}\n  Talking to ${against}.\n  Stop with Ctrl+C.\n`,
  );
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void sample.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(
    `\n  The sample could not start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
