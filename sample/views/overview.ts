import { dateTime, relative } from './format.js';
import { html, type SafeHtml } from './html.js';

/** What the pages show about the connection (never the tokens themselves). */
export interface ConnectionView {
  patient: string | undefined;
  scopes: readonly string[];
  expiresAt: Date;
  accessGrantExpiration: Date | null;
  demographicsShared: boolean;
  /** The Blue Button API version the connection was made through. */
  apiVersion: number;
}

/** A notice saying the access token was renewed while serving this page. */
export function renewedNotice(expiresAt: Date): { kind: 'info'; title: string; text: string } {
  return {
    kind: 'info',
    title: 'Your access token was renewed automatically while loading this page.',
    text: ` It now expires ${dateTime(expiresAt)}.`,
  };
}

/** The home page for a visitor who has not connected yet (`v3LoginHref`: the API v3 pilot's login). */
export function connectPage(
  loginHref: string,
  v3LoginHref: string,
  sandboxHint: boolean,
): SafeHtml {
  return html`<section class="card hero">
    <h1>See your Medicare claims</h1>
    <p>
      This sample app reads your Medicare claims, coverage and personal details through
      <a href="https://bluebutton.cms.gov/">Blue Button 2.0</a>, with your permission. You sign in
      on Medicare.gov, choose what to share, and can disconnect at any time.
    </p>
    <div class="actions">
      <a class="button big" id="connect" href="${loginHref}">Connect with Medicare</a>
      <a class="button big secondary" id="connect-v3" href="${v3LoginHref}"
        >Connect through Blue Button API v3 (pilot)</a
      >
    </div>
    <p class="hint">
      API v3 adds the digital insurance card. It is a pilot, in the sandbox only, for apps enrolled
      as early adopters.
    </p>
    ${sandboxHint ? html`<p class="hint">Test users: <code>BBUser00000</code> / <code>PW00000!</code> (up to <code>BBUser09999</code>).</p>` : ''}
  </section>`;
}

const SCOPE_WORDS: readonly [RegExp, string][] = [
  [/^patient\/ExplanationOfBenefit\./, 'Claims (Explanation of Benefit)'],
  [/^patient\/Coverage\./, 'Coverage (Parts A, B, C and D)'],
  [/^patient\/Patient\./, 'Demographics (name, date of birth, gender, address)'],
  [/^profile$/, 'Profile (name and e-mail)'],
];

/** The overview for a connected visitor: the connection, the token's expiry, refresh and logout. */
export function overviewPage(c: ConnectionView): SafeHtml {
  const shared = SCOPE_WORDS.map(([pattern, words]) => ({
    words,
    granted: c.scopes.some(s => pattern.test(s)),
  }));
  return html`<h1>Your Medicare connection</h1>
    <section class="card" id="connection">
      <dl class="facts">
        <dt>Beneficiary (FHIR Patient id)</dt>
        <dd id="patient-id">${c.patient ?? 'unknown'}</dd>
        <dt>Connected through</dt>
        <dd id="api-version" data-version="${c.apiVersion}">
          Blue Button API v${c.apiVersion}${c.apiVersion === 3 ? ' (pilot)' : ''}
        </dd>
        <dt>Access token expires</dt>
        <dd>
          <time id="token-expiry" datetime="${c.expiresAt.toISOString()}"
            >${dateTime(c.expiresAt)}</time
          >
          <span class="muted">(${relative(c.expiresAt)})</span>
        </dd>
        <dt>Data access granted until</dt>
        <dd>${c.accessGrantExpiration ? dateTime(c.accessGrantExpiration) : 'no end date'}</dd>
        <dt>Shared with this app</dt>
        <dd>
          <ul class="scopes" id="scopes">
            ${shared.map(
              s =>
                html`<li class="${s.granted ? 'yes' : 'no'}">
                  ${s.words}${s.granted ? '' : ' — not shared'}
                </li>`,
            )}
          </ul>
        </dd>
      </dl>
      ${
        c.demographicsShared
          ? ''
          : html`<p class="hint" id="demographics-withheld">
              You chose not to share your demographic data, so the Patient and Profile pages have
              nothing to show. Disconnect and connect again with “Share demographic data” ticked to
              change that.
            </p>`
      }
      <div class="actions">
        <form method="post" action="/token/refresh">
          <button id="refresh">Refresh access token</button>
        </form>
        <form method="post" action="/bluebutton/logout">
          <button class="secondary" id="disconnect">Disconnect from Medicare</button>
        </form>
      </div>
      <p class="hint">
        Access tokens last an hour; the app renews them by itself before they run out. The button
        does it now, so you can see it happen.
      </p>
    </section>
    <div class="tiles">
      <a href="/claims"
        ><strong>Claims</strong>Every claim, with a chart of what Medicare paid each month.</a
      >
      <a href="/coverage"
        ><strong>Coverage</strong>Your Medicare parts and since when you have them.</a
      >
      <a href="/patient"
        ><strong>Patient</strong>Your name, date of birth and address as Medicare has them.</a
      >
      <a href="/profile"><strong>Profile</strong>Your Medicare.gov account profile.</a>
      <a href="/insurance-card"
        ><strong>Insurance card</strong>Your digital Medicare card (Blue Button API v3).</a
      >
    </div>`;
}
