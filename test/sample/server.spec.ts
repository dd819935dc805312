import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSample, type RunningSample } from '../../sample/server.js';
import { consent } from '../support/bluebutton.js';
import { tableRows, text } from './harness.js';

let dir: string;
let sample: RunningSample | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bb-sample-'));
});
afterEach(async () => {
  await sample?.close();
  sample = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe('startSample() (what npm start runs)', () => {
  it('without .bluebutton-config.json: starts the emulator with the callback registered, and the whole flow works over HTTP', async () => {
    sample = await startSample({ cwd: dir, port: 0, emulatorPort: 0, logger: false });
    expect(sample.mode).toBe('emulator');
    expect(sample.blueButtonUrl).toBe(`http://localhost:${new URL(sample.emulator!.baseUrl).port}`);
    expect(sample.url).toMatch(/^http:\/\/localhost:\d+$/);
    const emu = sample.emulator!;
    expect(emu.client.redirectUris).toEqual([`${sample.url}/callback`]);

    const home = await fetch(sample.url);
    expect(home.status).toBe(200);
    const body = await home.text();
    expect(text(body)).toContain('Connect with Medicare');
    expect(text(body)).toContain(
      `the local Blue Button emulator at http://localhost:${new URL(emu.baseUrl).port}`,
    );

    const login = await fetch(`${sample.url}/bluebutton/login`, { redirect: 'manual' });
    expect(login.status).toBe(302);
    const callback = await consent(login.headers.get('location')!);
    expect(callback.origin + callback.pathname).toBe(`${sample.url}/callback`);
    // The login cookie that binds this login to this "browser".
    const bound = login.headers
      .getSetCookie()
      .map(c => c.split(';')[0])
      .join('; ');
    const done = await fetch(callback, { redirect: 'manual', headers: { cookie: bound } });
    expect([done.status, done.headers.get('location')]).toEqual([302, '/claims']);
    const cookie = done.headers
      .getSetCookie()
      .find(c => c.startsWith('bluebutton_session='))!
      .split(';')[0];
    const claims = await fetch(`${sample.url}/claims`, { headers: { cookie } });
    expect(claims.status).toBe(200);
    expect(tableRows(await claims.text(), 'claims')).toHaveLength(52);
  });

  it('with a SANDBOX .bluebutton-config.json: talks to the real sandbox and starts no emulator', async () => {
    writeFileSync(
      join(dir, '.bluebutton-config.json'),
      JSON.stringify({
        environment: 'SANDBOX',
        client_id: 'sample-client',
        client_secret: 'sample-secret',
        callback_url: 'http://localhost:3000/callback',
      }),
    );
    sample = await startSample({ cwd: dir, port: 0, logger: false });
    expect([sample.mode, sample.environment, sample.emulator, sample.blueButtonUrl]).toEqual([
      'config-file',
      'SANDBOX',
      undefined,
      'https://sandbox.bluebutton.cms.gov',
    ]);
    const home = await (await fetch(sample.url)).text();
    expect(text(home)).toContain('Data from the Blue Button sandbox, API v2');

    const login = await fetch(`${sample.url}/bluebutton/login`, { redirect: 'manual' });
    const authorize = new URL(login.headers.get('location')!);
    expect(authorize.origin + authorize.pathname).toBe(
      'https://sandbox.bluebutton.cms.gov/v2/o/authorize/',
    );
    expect(authorize.searchParams.get('client_id')).toBe('sample-client');
    expect(authorize.searchParams.get('redirect_uri')).toBe('http://localhost:3000/callback');
  });

  it('says what to do when the emulator port is taken', async () => {
    const blocker: Server = createServer();
    await new Promise<void>(r => blocker.listen(0, '127.0.0.1', r));
    const { port } = blocker.address() as { port: number };
    try {
      await expect(
        startSample({ cwd: dir, port: 0, emulatorPort: port, logger: false }),
      ).rejects.toThrow(
        `Port ${port} is already in use, so the Blue Button emulator cannot start there.`,
      );
    } finally {
      await new Promise(r => blocker.close(r));
    }
  });

  it('refuses a config file that is not a JSON object', async () => {
    writeFileSync(join(dir, '.bluebutton-config.json'), '[1, 2]');
    await expect(startSample({ cwd: dir, port: 0, logger: false })).rejects.toThrow(
      /is not a JSON object/,
    );
  });
});
