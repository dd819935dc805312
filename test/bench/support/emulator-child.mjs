// Runs a BlueButtonEmulator in its own process, driven over IPC by `EmulatorProcess`, so that the
// emulator's CPU and memory never count against the client being measured.
import { loadTesting } from './pkg.mjs';

const testing = await loadTesting();

let emu;
const revive = path =>
  path && typeof path === 'object' && 'source' in path ? new RegExp(path.source, path.flags) : path;

const commands = {
  async start(options) {
    emu = await testing.BlueButtonEmulator.start(options);
    return { baseUrl: emu.baseUrl, client: emu.client };
  },
  getToken: opts => emu.getToken(opts),
  count: ({ path, method }) => emu.requestsTo(revive(path), method).length,
  requests: ({ path, method }) =>
    emu.requestsTo(revive(path), method).map(r => ({ url: r.url, headers: r.headers })),
  // What the emulator recorded of its own cost: the delay it injected and its serving time.
  timings: ({ path, method }) =>
    emu
      .requestsTo(revive(path), method)
      .map(r => ({ url: r.url, latencyMs: r.latencyMs, servedMs: r.servedMs })),
  clearRequests: () => emu.clearRequests(),
  setLatency: ({ target, ms }) => void emu.faults.setLatency(target, ms),
  async close() {
    await emu?.close();
    setImmediate(() => process.exit(0));
  },
};

process.on('message', async ({ id, cmd, args }) => {
  try {
    const result = await commands[cmd](args);
    process.send({ id, result });
  } catch (error) {
    process.send({ id, error: error instanceof Error ? error.stack : String(error) });
  }
});
process.on('disconnect', () => process.exit(0));
