import type { ClaimRow, MonthTotal } from '../records/claims.js';
import type { CoverageRow } from '../records/coverage.js';
import type { PatientSummary } from '../records/patient.js';
import { spendingChart } from './chart.js';
import { dateTime, fhirDate, money, month } from './format.js';
import { html, type SafeHtml } from './html.js';

/** Everything the claims page shows. */
export interface ClaimsView {
  rows: readonly ClaimRow[];
  months: readonly MonthTotal[];
  byType: readonly { label: string; count: number }[];
  pages: number;
}

/** The claims page: totals, the monthly chart and the table of every claim. */
export function claimsPage(v: ClaimsView): SafeHtml {
  const total = v.rows.reduce((s, r) => s + r.paidCents, 0);
  const range = v.months.length
    ? `${month(v.months[0].month)} – ${month(v.months[v.months.length - 1].month)}`
    : '—';
  return html`<h1>Your claims</h1>
    <ul class="stats">
      <li>
        <span class="value" id="claim-count">${v.rows.length}</span
        ><span class="label">claims</span>
      </li>
      <li>
        <span class="value" id="claim-total">${money(total)}</span
        ><span class="label">paid by Medicare</span>
      </li>
      <li><span class="value">${range}</span><span class="label">dates of service</span></li>
    </ul>
    <section class="card">
      <h2>Paid by Medicare, per month</h2>
      ${spendingChart(v.months)}
      <ul class="chips" aria-label="Claims by type">
        ${v.byType.map(t => html`<li>${t.label}: ${t.count}</li>`)}
      </ul>
    </section>
    <section class="card">
      <h2>All claims</h2>
      <p class="hint" id="pages-note">
        Newest first. Read from ${v.pages} page${v.pages === 1 ? '' : 's'} of Blue Button search
        results.
      </p>
      <div class="table-wrap">
        <table id="claims">
          <thead>
            <tr>
              <th scope="col">Date</th>
              <th scope="col">Type</th>
              <th scope="col">Provider or drug</th>
              <th scope="col">Service</th>
              <th scope="col" class="num">Paid</th>
            </tr>
          </thead>
          <tbody>
            ${v.rows.map(
              r =>
                html`<tr
                  data-claim-id="${r.id}"
                  data-date="${r.date ?? ''}"
                  data-type="${r.type}"
                  data-paid-cents="${r.paidCents}"
                >
                  <td class="date">
                    ${r.date ? html`<time datetime="${r.date}">${fhirDate(r.date)}</time>` : '—'}
                  </td>
                  <td><span class="type type-${r.type}">${r.typeLabel}</span></td>
                  <td>${r.providerOrDrug ?? '—'}</td>
                  <td>${r.service ?? '—'}</td>
                  <td class="num">${money(r.paidCents)}</td>
                </tr>`,
            )}
          </tbody>
          <tfoot>
            <tr>
              <td colspan="4">Total</td>
              <td class="num">${money(total)}</td>
            </tr>
          </tfoot>
        </table>
      </div>
    </section>`;
}

/** The coverage page. */
export function coveragePage(rows: readonly CoverageRow[]): SafeHtml {
  return html`<h1>Your coverage</h1>
    <section class="card">
      ${
        rows.length
          ? html`<div class="table-wrap">
              <table id="coverage">
                <thead>
                  <tr>
                    <th scope="col">Plan</th>
                    <th scope="col">Status</th>
                    <th scope="col">Since</th>
                    <th scope="col">Until</th>
                    <th scope="col">Paid by</th>
                  </tr>
                </thead>
                <tbody>
                  ${rows.map(
                    r =>
                      html`<tr data-coverage-id="${r.id}">
                        <td>${r.plan}</td>
                        <td>${r.status}</td>
                        <td>${fhirDate(r.start)}</td>
                        <td>${r.end ? fhirDate(r.end) : '—'}</td>
                        <td>${r.payor ?? '—'}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>`
          : html`<p class="muted">Blue Button returned no coverage for you.</p>`
      }
    </section>`;
}

/** The patient page (needs the demographics the beneficiary chose to share). */
export function patientPage(p: PatientSummary | undefined): SafeHtml {
  if (!p)
    return html`<h1>Patient</h1>
      <section class="card"><p class="muted">Blue Button returned no Patient record.</p></section>`;
  return html`<h1>Patient</h1>
    <section class="card">
      <dl class="facts" id="patient">
        <dt>Name</dt>
        <dd id="patient-name">${p.name ?? '—'}</dd>
        <dt>Date of birth</dt>
        <dd id="patient-birth-date">${fhirDate(p.birthDate)}</dd>
        <dt>Gender</dt>
        <dd>${p.gender ?? '—'}</dd>
        <dt>Location</dt>
        <dd>${p.location ?? '—'}</dd>
        <dt>Medicare number</dt>
        <dd>${p.maskedMbi ?? '—'}</dd>
        <dt>FHIR Patient id</dt>
        <dd><code>${p.id}</code></dd>
      </dl>
    </section>`;
}

/** The OpenID Connect profile, as `connect/userinfo` returns it. */
export interface ProfileView {
  name?: string;
  email?: string;
  patient: string;
  created?: string;
}

/** The profile page (needs the `profile` scope). */
export function profilePage(p: ProfileView): SafeHtml {
  return html`<h1>Profile</h1>
    <section class="card">
      <dl class="facts" id="profile">
        <dt>Name</dt>
        <dd id="profile-name">${p.name ?? '—'}</dd>
        <dt>E-mail</dt>
        <dd id="profile-email">${p.email ?? '—'}</dd>
        <dt>FHIR Patient id</dt>
        <dd><code>${p.patient}</code></dd>
        <dt>Account created</dt>
        <dd>${p.created ? dateTime(new Date(p.created)) : '—'}</dd>
      </dl>
    </section>`;
}

/** Shown instead of the Patient or Profile page when the beneficiary withheld demographics. */
export function notSharedPage(what: string, missing: readonly string[]): SafeHtml {
  return html`<h1>${what}</h1>
    <section class="card" id="not-shared" data-missing-scopes="${missing.join(' ')}">
      <h2>You did not share your demographic data</h2>
      <p>
        When you connected, you chose not to share your name, date of birth, gender and address with
        this app, so there is nothing to show here. Your claims and coverage are still available.
      </p>
      <p>To share it, disconnect and connect again, and leave “Share demographic data” ticked.</p>
      <div class="actions"><a class="button" href="/claims">See your claims</a></div>
    </section>`;
}

/** A friendly error page; `loginHref` offers to connect again. */
export function errorPage(
  status: number,
  title: string,
  message: string,
  loginHref?: string,
): SafeHtml {
  return html`<h1>${title}</h1>
    <section class="card" id="error" data-status="${status}">
      <p>${message}</p>
      <div class="actions">
        ${loginHref ? html`<a class="button" href="${loginHref}">Connect with Medicare</a>` : ''}
        <a class="button secondary" href="/">Back to the overview</a>
      </div>
    </section>`;
}
