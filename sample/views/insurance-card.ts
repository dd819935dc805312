import type { InsuranceCard } from 'nestjs-bluebutton';
import { fhirDate } from './format.js';
import { html, type SafeHtml } from './html.js';

/** The digital insurance card, as `toInsuranceCard()` lifts it from the C4DIC Bundle. */
export function insuranceCardPage(card: InsuranceCard): SafeHtml {
  return html`<h1>Your Medicare card</h1>
    <section class="card" id="insurance-card">
      <dl class="facts">
        <dt>Name</dt>
        <dd id="card-name">${card.name ?? '—'}</dd>
        <dt>Medicare number</dt>
        <dd id="card-member-id">${masked(card.memberId)}</dd>
        <dt>Paid by</dt>
        <dd id="card-payer">${card.payer ?? '—'}</dd>
        <dt>Contact</dt>
        <dd id="card-contact">
          ${
            [...card.payerPhones, ...(card.payerWebsite ? [card.payerWebsite] : [])].join(' · ') ||
            '—'
          }
        </dd>
      </dl>
    </section>
    <section class="card">
      <h2>Entitled to</h2>
      <div class="table-wrap">
        <table id="card-parts">
          <thead>
            <tr>
              <th scope="col">Plan</th>
              <th scope="col">Coverage starts</th>
              <th scope="col">Until</th>
              <th scope="col">Payer type</th>
            </tr>
          </thead>
          <tbody>
            ${card.parts.map(
              p =>
                html`<tr>
                  <td>${p.plan}</td>
                  <td>${fhirDate(p.start)}</td>
                  <td>${p.end ? fhirDate(p.end) : '—'}</td>
                  <td>${p.payerType ?? '—'}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>
      ${
        card.additionalInformation
          ? html`<p class="hint" id="card-fine-print">${card.additionalInformation}</p>`
          : ''
      }
    </section>`;
}

/** Shown instead of the card to a visitor connected through API v1/v2. */
export function cardNeedsV3Page(apiVersion: number, v3LoginHref: string): SafeHtml {
  return html`<h1>Your Medicare card</h1>
    <section class="card" id="card-needs-v3" data-api-version="${apiVersion}">
      <h2>The digital insurance card comes with Blue Button API v3</h2>
      <p>
        You connected through API v${apiVersion}. Blue Button's tokens do not carry over between API
        versions, so this app would need a new connection through API v3 (a pilot, in the sandbox
        only) to show your card. Connecting again replaces the current connection.
      </p>
      <div class="actions">
        <a class="button" id="connect-v3" href="${v3LoginHref}">Connect through API v3</a>
      </div>
    </section>`;
}

/** The Medicare number with all but its last 4 characters hidden: screens get photographed. */
function masked(id: string | undefined): string {
  return id ? `${'•'.repeat(Math.max(0, id.length - 4))}${id.slice(-4)}` : '—';
}
