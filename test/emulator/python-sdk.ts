import { createHash, randomInt } from 'node:crypto';

/**
 * The official Python SDK 1.0.5 (`cms-bluebutton-sdk`), request for request: the same URLs,
 * fields in the same order, multipart/form-data token calls (built here with Node's FormData),
 * HTTP Basic on refresh, and its module-global `SDK_HEADERS` that every call mutates (so FHIR GETs
 * carry the last token call's multipart content type, and token calls the last FHIR bearer).
 */
export class PythonSdk {
  /** `cms_bluebutton/constants.py` SDK_HEADERS, shared and mutated like the module global. */
  readonly sdkHeaders: Record<string, string> = {
    'X-BLUEBUTTON-SDK': 'python',
    'X-BLUEBUTTON-SDK-VERSION': '1.0.5',
  };

  /** `BlueButton(config)`: base URL, API version, client credentials, callback URL. */
  constructor(
    private readonly baseUrl: string,
    private readonly version: number,
    private readonly clientId: string,
    private readonly clientSecret: string,
    private readonly callbackUrl: string,
  ) {}

  /** What `requests` adds to every call. */
  private static readonly REQUESTS = {
    'User-Agent': 'python-requests/2.32.3',
    'Accept-Encoding': 'gzip, deflate',
    Accept: '*/*',
  };

  /** `auth.py` `generate_random_state`: base64url of 32 printable characters, `=`-padded (44). */
  static randomState(): string {
    const letters =
      'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
    let s = '';
    for (let i = 0; i < 32; i++) s += letters[randomInt(letters.length)];
    return Buffer.from(s, 'utf8').toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
  }

  /** `generate_auth_data()`: state, padded S256 challenge, padded verifier. */
  static generateAuthData() {
    const verifier = PythonSdk.randomState();
    const challenge = createHash('sha256')
      .update(verifier, 'ascii')
      .digest('base64')
      .replace(/\+/g, '-')
      .replace(/\//g, '_');
    return {
      state: PythonSdk.randomState(),
      code_challenge: challenge,
      code_challenge_method: 'S256',
      verifier,
    };
  }

  /** Python's `urllib.parse.quote(s, safe='')`. */
  static quote(s: string): string {
    return encodeURIComponent(s).replace(
      /[!'()*]/g,
      c => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
    );
  }

  /** `generate_authorize_url()`: slashless path, `urlencode(params, quote_via=quote)`. */
  authorizeUrl(authData: ReturnType<typeof PythonSdk.generateAuthData>): string {
    const params: Array<[string, string]> = [
      ['client_id', this.clientId],
      ['redirect_uri', this.callbackUrl],
      ['state', authData.state],
      ['response_type', 'code'],
      ['code_challenge_method', 'S256'],
      ['code_challenge', authData.code_challenge],
    ];
    const q = params.map(([k, v]) => `${PythonSdk.quote(k)}=${PythonSdk.quote(v)}`).join('&');
    return `${this.baseUrl}/v${this.version}/o/authorize?${q}`;
  }

  /** `_do_post`: a MultipartEncoder body, its content type written into SDK_HEADERS. */
  private async doPost(fields: Array<[string, string]>, auth: boolean): Promise<Response> {
    const form = new FormData();
    for (const [k, v] of fields) form.append(k, v);
    const encoded = new Response(form);
    this.sdkHeaders['content-type'] = encoded.headers.get('content-type') as string;
    const headers: Record<string, string> = { ...PythonSdk.REQUESTS, ...this.sdkHeaders };
    if (auth) {
      // requests' HTTPBasicAuth replaces whatever Authorization SDK_HEADERS holds.
      headers.Authorization = `Basic ${Buffer.from(`${this.clientId}:${this.clientSecret}`, 'latin1').toString('base64')}`;
    }
    return fetch(`${this.baseUrl}/v${this.version}/o/token/`, {
      method: 'POST',
      headers,
      body: new Uint8Array(await encoded.arrayBuffer()),
    });
  }

  /** `get_authorization_token()`: the code exchange (secret in the body, no Basic). */
  exchange(authData: { verifier: string }, code: string): Promise<Response> {
    return this.doPost(
      [
        ['client_id', this.clientId],
        ['client_secret', this.clientSecret],
        ['code', code],
        ['grant_type', 'authorization_code'],
        ['redirect_uri', this.callbackUrl],
        ['code_verifier', authData.verifier],
      ],
      false,
    );
  }

  /** `refresh_auth_token()`: client_id, grant_type, refresh_token, plus HTTP Basic. */
  refresh(refreshToken: string): Promise<Response> {
    return this.doPost(
      [
        ['client_id', this.clientId],
        ['grant_type', 'refresh_token'],
        ['refresh_token', refreshToken],
      ],
      true,
    );
  }

  /**
   * `fhir_request()`: relative paths under `/v{N}/`, absolute URLs used as given; `params` are
   * appended (requests merges them into a URL's own query, which duplicates `_count` on pages).
   */
  get(accessToken: string, url: string, params: Record<string, string> = {}): Promise<Response> {
    this.sdkHeaders.Authorization = `Bearer ${accessToken}`;
    const full = url.startsWith(this.baseUrl) ? url : `${this.baseUrl}/v${this.version}/${url}`;
    const query = new URLSearchParams(params).toString();
    const target = query ? `${full}${full.includes('?') ? '&' : '?'}${query}` : full;
    return fetch(target, { headers: { ...PythonSdk.REQUESTS, ...this.sdkHeaders } });
  }
}
