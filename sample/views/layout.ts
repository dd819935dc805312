import { html, type SafeHtml } from './html.js';

/** The pages in the navigation bar. */
export type NavKey = 'home' | 'claims' | 'coverage' | 'patient' | 'profile' | 'card';

/** A message box at the top of a page. */
export interface Notice {
  kind: 'info' | 'success' | 'error';
  title: string;
  text?: string | SafeHtml;
}

/** What every page's frame needs. */
export interface Chrome {
  title: string;
  /** Whether the visitor has a connected Medicare account (shows the navigation and Disconnect). */
  connected: boolean;
  /** One line saying which Blue Button the app talks to. */
  backend: string;
  active?: NavKey;
  notices?: readonly Notice[];
}

const NAV: readonly [NavKey, string, string][] = [
  ['home', '/', 'Overview'],
  ['claims', '/claims', 'Claims'],
  ['coverage', '/coverage', 'Coverage'],
  ['patient', '/patient', 'Patient'],
  ['profile', '/profile', 'Profile'],
  ['card', '/insurance-card', 'Insurance card'],
];

/** Renders one notice; errors are announced to screen readers at once. */
export function notice(n: Notice): SafeHtml {
  return html`<div class="notice ${n.kind}" role="${n.kind === 'error' ? 'alert' : 'status'}">
    <strong>${n.title}</strong>${n.text ? html`<span>${n.text}</span>` : ''}
  </div>`;
}

/** A complete HTML document around `body`. */
export function layout(chrome: Chrome, body: SafeHtml): string {
  const nav = chrome.connected
    ? html`<nav aria-label="Main">
          ${NAV.map(
            ([key, href, label]) =>
              html`<a href="${href}" ${key === chrome.active ? html` aria-current="page"` : ''}
                >${label}</a
              >`,
          )}
        </nav>
        <form method="post" action="/bluebutton/logout">
          <button class="secondary" id="logout">Disconnect</button>
        </form>`
    : '';
  return html`<!DOCTYPE html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>${chrome.title} · Medicare claims sample</title>
        <link rel="stylesheet" href="/sample.css" />
        <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
      </head>
      <body>
        <header class="top">
          <div class="bar">
            <a class="brand" href="/">Medicare claims<small>nestjs-bluebutton sample</small></a>
            ${nav}
          </div>
        </header>
        <main>${(chrome.notices ?? []).map(notice)} ${body}</main>
        <footer>${chrome.backend}.</footer>
      </body>
    </html> `.value;
}
