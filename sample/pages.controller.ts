import { Controller, Get, Header, Post, Query, Redirect, UseGuards } from '@nestjs/common';
import {
  AuthService,
  BlueButtonConfig,
  BlueButtonScopeGuard,
  BlueButtonToken,
  FhirService,
  RequireScopes,
  toInsuranceCard,
  type AuthorizationToken,
} from 'nestjs-bluebutton';
import { firstValueFrom } from 'rxjs';
import { countByType, eobsOf, monthlyTotals, toClaimRows } from './records/claims.js';
import { toCoverageRows } from './records/coverage.js';
import { toPatientSummary } from './records/patient.js';
import { dateTime } from './views/format.js';
import { layout, type Chrome, type NavKey, type Notice } from './views/layout.js';
import { cardNeedsV3Page, insuranceCardPage } from './views/insurance-card.js';
import { connectPage, overviewPage, renewedNotice } from './views/overview.js';
import { claimsPage, coveragePage, patientPage, profilePage } from './views/pages.js';
import { FAVICON, STYLESHEET } from './views/style.js';
import type { SafeHtml } from './views/html.js';
import { backendLabel, loginHref, RETURN_PAGES, v3LoginHref } from './sample.constants.js';

const HTML = 'text/html; charset=utf-8';

/** What the overview says after the built-in callback sent the browser back with an error code. */
const LOGIN_ERRORS: Readonly<Record<string, Notice>> = {
  access_denied: {
    kind: 'info',
    title: 'You chose not to connect your Medicare account.',
    text: ' Nothing was shared with this app. You can connect whenever you like.',
  },
  state_mismatch: {
    kind: 'error',
    title: 'That sign-in link had expired or was already used.',
    text: ' Please connect again.',
  },
  oauth_error: {
    kind: 'error',
    title: 'Medicare.gov could not complete the sign-in.',
    text: ' Please try connecting again.',
  },
  server_error: {
    kind: 'error',
    title: 'We could not reach Medicare.gov to finish signing you in.',
    text: ' Please try again in a few minutes.',
  },
  login_failed: {
    kind: 'error',
    title: 'We could not start the Medicare sign-in.',
    text: ' Please try again in a few minutes.',
  },
};

/**
 * The sample's pages. Each data page takes the visitor's token with `@BlueButtonToken()` (a visitor
 * who has not connected is sent to the overview by the sample's exception filter), and the Patient
 * and Profile pages declare the scopes they need, so a beneficiary who withheld demographics gets a
 * friendly explanation from the guard instead of a failed Blue Button call.
 */
@Controller()
@UseGuards(BlueButtonScopeGuard)
export class PagesController {
  /** Created by Nest. */
  constructor(
    private readonly fhir: FhirService,
    private readonly auth: AuthService,
    private readonly config: BlueButtonConfig,
  ) {}

  /** The overview: "Connect with Medicare", or the connection's details with refresh and logout. */
  @Get()
  @Header('Content-Type', HTML)
  home(
    @BlueButtonToken({ optional: true }) token: AuthorizationToken | undefined,
    @Query('bluebutton_error') error?: unknown,
    @Query('refreshed_from') refreshedFrom?: unknown,
    @Query('next') next?: unknown,
  ): string {
    const notices: Notice[] = [];
    const loginError = typeof error === 'string' ? LOGIN_ERRORS[error] : undefined;
    if (loginError) {
      notices.push(
        token && error === 'access_denied'
          ? {
              ...loginError,
              text: ' Your earlier connection is still active; disconnect below to end it.',
            }
          : loginError,
      );
    }
    if (!token) {
      const returnTo = typeof next === 'string' && RETURN_PAGES.has(next) ? next : undefined;
      if (returnTo && !loginError)
        notices.push({ kind: 'info', title: 'Connect your Medicare account to see that page.' });
      return this.connect(notices, returnTo);
    }
    const from = typeof refreshedFrom === 'string' ? Number(refreshedFrom) : NaN;
    if (Number.isFinite(from)) {
      notices.push({
        kind: 'success',
        title: 'Access token refreshed.',
        text: ` The old one was due to expire ${dateTime(new Date(from))}; the new one expires ${dateTime(token.expiresAt)}.`,
      });
    }
    return this.page(
      { title: 'Overview', active: 'home', notices, token },
      true,
      overviewPage({
        patient: token.patient,
        scopes: token.scope,
        expiresAt: token.expiresAt,
        accessGrantExpiration: token.accessGrantExpiration,
        demographicsShared: token.hasScope('patient/Patient.rs'),
        apiVersion: token.version,
      }),
    );
  }

  /** Where the built-in logout route lands: the overview, saying the connection is gone. */
  @Get('signed-out')
  @Header('Content-Type', HTML)
  signedOut(@BlueButtonToken({ optional: true }) token?: AuthorizationToken): string {
    // Opened by hand while still connected: the overview tells the truth instead.
    if (token) return this.home(token);
    return this.connect([
      {
        kind: 'success',
        title: 'You are disconnected.',
        text: ' This app gave up its access to your Medicare data.',
      },
    ]);
  }

  /** Every claim: the first search page, then all the others (`getPages`), as a table and a chart. */
  @Get('claims')
  @Header('Content-Type', HTML)
  async claims(@BlueButtonToken() token: AuthorizationToken): Promise<string> {
    const first = await firstValueFrom(this.fhir.getExplanationOfBenefitData(token));
    // Thread the token: if the first call refreshed it, the following pages use the new one.
    const { pages, token: last } = await firstValueFrom(
      this.fhir.getPages(first.data, first.token),
    );
    const rows = toClaimRows(eobsOf(pages));
    return this.page(
      { title: 'Claims', active: 'claims', notices: this.renewed(token, last), token },
      true,
      claimsPage({
        rows,
        months: monthlyTotals(rows),
        byType: countByType(rows),
        pages: pages.length,
      }),
    );
  }

  /** The beneficiary's Medicare coverage (Parts A, B, C, D). */
  @Get('coverage')
  @Header('Content-Type', HTML)
  async coverage(@BlueButtonToken() token: AuthorizationToken): Promise<string> {
    const res = await firstValueFrom(this.fhir.getCoverageData(token));
    return this.page(
      { title: 'Coverage', active: 'coverage', notices: this.renewed(token, res.token), token },
      true,
      coveragePage(toCoverageRows(res.data)),
    );
  }

  /** The Patient resource; the guard answers for a beneficiary who withheld demographics. */
  @Get('patient')
  @RequireScopes('patient/Patient.rs')
  @Header('Content-Type', HTML)
  async patient(@BlueButtonToken() token: AuthorizationToken): Promise<string> {
    const res = await firstValueFrom(this.fhir.getPatientData(token));
    return this.page(
      { title: 'Patient', active: 'patient', notices: this.renewed(token, res.token), token },
      true,
      patientPage(toPatientSummary(res.data)),
    );
  }

  /** The Medicare.gov profile (OpenID Connect userinfo); needs the `profile` scope. */
  @Get('profile')
  @RequireScopes('profile')
  @Header('Content-Type', HTML)
  async profile(@BlueButtonToken() token: AuthorizationToken): Promise<string> {
    const res = await firstValueFrom(this.fhir.getProfileData(token));
    return this.page(
      { title: 'Profile', active: 'profile', notices: this.renewed(token, res.token), token },
      true,
      profilePage({
        name: res.data.name,
        email: res.data.email,
        patient: res.data.patient,
        created: res.data.iat,
      }),
    );
  }

  /**
   * The digital insurance card (Blue Button API v3). A visitor connected through v2 is offered a
   * v3 connection instead: their token would be refused by v3 (before anything is sent).
   */
  @Get('insurance-card')
  @RequireScopes('patient/Patient.r', 'patient/Coverage.s')
  @Header('Content-Type', HTML)
  async insuranceCard(@BlueButtonToken() token: AuthorizationToken): Promise<string> {
    const chrome = { title: 'Insurance card', active: 'card', token } as const;
    if (token.version !== 3) {
      return this.page(
        chrome,
        true,
        cardNeedsV3Page(token.version, v3LoginHref('/insurance-card')),
      );
    }
    const res = await firstValueFrom(this.fhir.getInsuranceCardData(token));
    const notices = this.renewed(token, res.token);
    return this.page({ ...chrome, notices }, true, insuranceCardPage(toInsuranceCard(res.data)));
  }

  /**
   * Refreshes the access token now. The package writes the new token back to this visitor's
   * session, so the next page already uses it; the overview then shows the old and new expiry.
   */
  @Post('token/refresh')
  @Redirect('/', 303)
  async refresh(@BlueButtonToken() token: AuthorizationToken): Promise<{ url: string }> {
    await firstValueFrom(this.auth.refreshAuthToken(token));
    return { url: `/?refreshed_from=${token.expiresAt.getTime()}` };
  }

  /** The stylesheet, served as a file so the Content-Security-Policy can forbid inline styles. */
  @Get('sample.css')
  @Header('Content-Type', 'text/css; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=300')
  stylesheet(): string {
    return STYLESHEET;
  }

  /** The tab icon (`/favicon.ico` too, which browsers ask for by themselves). */
  @Get(['favicon.svg', 'favicon.ico'])
  @Header('Content-Type', 'image/svg+xml')
  @Header('Cache-Control', 'public, max-age=86400')
  favicon(): string {
    return FAVICON;
  }

  private connect(notices: readonly Notice[], returnTo?: string): string {
    const hint = this.config.environment !== 'PRODUCTION';
    return this.page(
      { title: 'Connect', active: 'home', notices },
      false,
      connectPage(loginHref(returnTo), v3LoginHref(returnTo), hint),
    );
  }

  private renewed(before: AuthorizationToken, after: AuthorizationToken): Notice[] {
    return after === before ? [] : [renewedNotice(after.expiresAt)];
  }

  private page(
    chrome: {
      title: string;
      active: NavKey;
      notices?: readonly Notice[];
      /** The visitor's token: the footer names its API version. */
      token?: AuthorizationToken;
    },
    connected: boolean,
    body: SafeHtml,
  ): string {
    const { token, ...rest } = chrome;
    const backend = backendLabel(this.config, token?.version);
    return layout({ ...rest, connected, backend } satisfies Chrome, body);
  }
}
