/** The token endpoint's JSON, as BB2 sends it. */
export interface TokenResponse {
  access_token: string;
  expires_in: number;
  token_type: 'Bearer';
  scope: string;
  refresh_token: string;
  patient: string;
  access_grant_expiration: string;
}
