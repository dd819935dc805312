import { parseCliArgs, runCli } from '../../lib/testing/cli.js';
import { getWith } from './helpers.js';

describe('emulator CLI (bluebutton-emulator)', () => {
  it('defaults to port 8000, where the SDKs’ LOCAL environment points', () => {
    expect(parseCliArgs([])).toMatchObject({ port: 8000, v3Enabled: false, beneficiaries: [] });
  });

  it('parses repeatable redirect URIs and heavy users, and refuses bad numbers', () => {
    expect(
      parseCliArgs([
        '--redirect-uri',
        'http://a/cb',
        '--redirect-uri',
        'http://b/cb',
        '--heavy',
        'BBUser20000:10000',
        '--v3',
        '--latency',
        '100',
        '--latency-per-entry',
        '4',
      ]),
    ).toMatchObject({
      latencyMs: 100,
      latencyPerEntryMs: 4,
      redirectUris: ['http://a/cb', 'http://b/cb'],
      beneficiaries: [{ username: 'BBUser20000', eobCount: 10000 }],
      v3Enabled: true,
    });
    expect(() => parseCliArgs(['--port', 'abc'])).toThrow('--port must be a non-negative integer');
    expect(() => parseCliArgs(['--heavy', 'bob'])).toThrow('BBUserNNNNN:count');
  });

  it('prints its base URL and a ready client, and serves it', async () => {
    const lines: string[] = [];
    const emu = await runCli(['--port', '0', '--heavy', 'BBUser20000:120'], l => lines.push(l));
    try {
      expect(emu).toBeDefined();
      const e = emu!;
      expect(lines[0]).toBe(`Blue Button 2.0 emulator listening on ${e.baseUrl}`);
      expect(lines.join('\n')).toContain(`client_id:     ${e.client.clientId}`);
      expect(lines.join('\n')).toContain('throwaway');
      expect(e.client.clientId).toMatch(/^[A-Za-z0-9]{40}$/);
      const tok = await e.getToken({ user: 'BBUser20000' });
      expect(
        (await getWith(e, '/v2/fhir/ExplanationOfBenefit', tok.access_token)).json().total,
      ).toBe(120);
    } finally {
      await emu?.close();
    }
  });
});
