import { OAuthError } from 'nestjs-bluebutton';

describe('OAuthError', () => {
  it('keeps text from a crafted callback URL to one printable, bounded line', () => {
    const forged = `bad\r\n[Nest] 1 - LOG [BlueButton] Token refreshed ${'x'.repeat(1000)}`;
    const error = new OAuthError('server_error\n', forged, undefined);
    expect(error.message).not.toMatch(/[\r\n]/);
    expect(error.errorDescription).toHaveLength(300);
    expect(error.error).toBe('server_error ');
  });
});
