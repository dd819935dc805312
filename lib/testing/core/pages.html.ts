/** Escapes text for HTML bodies and attribute values. */
export function esc(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#x27;');
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#1b1b1b}
h1{font-size:1.5rem}label{display:block;margin:.75rem 0 .25rem}
input[type=text],input[type=password]{width:100%;padding:.5rem;font-size:1rem}
button{font-size:1rem;padding:.5rem 1.25rem;margin:.75rem .5rem 0 0}
.note{font-size:.85rem;color:#555}.error{color:#b50909}
</style>
</head>
<body>
<p class="note">Blue Button 2.0 emulator (local test server, synthetic data)</p>
${body}
</body>
</html>
`;
}

/** The stand-in for the Medicare.gov login (SLSx). */
export function loginPage(next: string, error?: string): string {
  return page(
    'Log in to Medicare.gov',
    `<h1>Log in to Medicare.gov</h1>
${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
<form method="post" action="/mymedicare/login">
<input type="hidden" name="next" value="${esc(next)}">
<label for="username">Username</label>
<input type="text" id="username" name="username" autocomplete="username" required>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit" id="login-button">Log in</button>
</form>
<p class="note">Sandbox users: BBUser00000 / PW00000! … BBUser09999 / PW09999!</p>`,
  );
}

/** Everything the consent page needs. */
export interface ConsentPageModel {
  action: string;
  appName: string;
  hidden: Record<string, string>;
  scopes: string[];
  /** The v1/v2 "share demographic data" checkbox (checked). */
  showDemographics: boolean;
  /** v3: demographics are required (a hidden `share_demographic_scopes=True`). */
  requireDemographics?: boolean;
  /** v3: the SAMHSA checkbox (unchecked, as in BB2's `authorize_v3.html`). */
  showSamhsa: boolean;
  /** v3 Part-D-only app: "Prescription drug claims (required)". */
  partDOnly?: boolean;
}

function describeScope(s: string): string | undefined {
  if (s.startsWith('patient/Patient.') || s === 'profile')
    return 'Your name, date of birth, gender and address';
  if (s.startsWith('patient/Coverage.')) return 'Your Medicare coverage (Parts A, B, C and D)';
  if (s.startsWith('patient/ExplanationOfBenefit.')) return 'Your Medicare claims';
  return undefined;
}

/**
 * The consent page: Connect / Cancel with the "share demographic data" checkbox checked (v1/v2),
 * or BB2's v3 page: demographics required, Share / Cancel, and an unchecked SAMHSA checkbox.
 */
export function consentPage(m: ConsentPageModel): string {
  const items = [...new Set(m.scopes.map(describeScope).filter(Boolean))] as string[];
  if (m.partDOnly) items.push('Prescription drug claims (required)');
  const hidden = Object.entries(m.hidden)
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
    .join('\n');
  return page(
    'Connect your Medicare data',
    `<h1>${esc(m.appName)} wants to access your Medicare data</h1>
<ul>${items.map(i => `<li>${esc(i)}</li>`).join('')}</ul>
<form method="post" action="${esc(m.action)}">
${hidden}
${
  m.showDemographics
    ? `<input type="hidden" name="share_demographic_scopes" value="False">
<label><input type="checkbox" id="share_demographic_scopes" name="share_demographic_scopes" value="True" checked> Share my demographic data (name, date of birth, gender, address)</label>`
    : ''
}
${m.requireDemographics ? '<input type="hidden" name="share_demographic_scopes" value="True">' : ''}
${
  m.showSamhsa
    ? `<input type="hidden" name="share_samhsa_data" value="False">
<label><input type="checkbox" id="share_samhsa_data" name="share_samhsa_data" value="True"> Alcohol &amp; substance use information: claims related to alcohol and/or substance use disorder treatment</label>`
    : ''
}
<button type="submit" name="allow" value="${m.requireDemographics ? 'Share' : 'Connect'}" id="approve">${m.requireDemographics ? 'Share' : 'Connect'}</button>
<button type="submit" id="deny">Cancel</button>
</form>`,
  );
}

/** Django's 404 page. */
export function notFoundPage(path: string): string {
  return page(
    'Page not found',
    `<h1>Not Found</h1>\n<p>The requested resource ${esc(path)} was not found on this server.</p>`,
  );
}

/** `app_inactive_401.html` (shown with 400, 401 or 403). */
export function appErrorPage(message: string): string {
  return page('Application error', `<h1>Application error</h1>\n<p>${esc(message)}</p>`);
}

/** DOT's authorize error page (bad client or redirect URI: nothing to redirect to). */
export function oauthErrorPage(error: string, description: string): string {
  return page('Authorization error', `<h1>Error: ${esc(error)}</h1>\n<p>${esc(description)}</p>`);
}

/** `bene_404.html`: the beneficiary logged in but BFD has no record of them. */
export function beneNotFoundPage(redirect: string): string {
  return page(
    'Medicare record not found',
    `<h1>We could not find your Medicare record</h1>
<p>Your Medicare claims data could not be found at this time.</p>
<p><a id="return-to-app" href="${esc(redirect)}">Return to the application</a></p>`,
  );
}
