import type { BlueButtonEmulator } from 'nestjs-bluebutton/testing';

/** What the claims table should show for one EOB, computed here from the raw FHIR (not by the sample). */
export interface ExpectedClaim {
  id: string;
  date: string;
  type: string;
  provider: string;
  paidCents: number;
}

type Json = Record<string, any>;

/** Reads a beneficiary's raw FHIR straight from the emulator with a token of its own. */
export async function rawFhir(emu: BlueButtonEmulator, user = 'BBUser00000') {
  const { access_token } = await emu.getToken({ user });
  const get = async (url: string): Promise<Json> => {
    const res = await fetch(url, {
      headers: { authorization: `Bearer ${access_token}`, accept: 'application/fhir+json' },
    });
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
    return (await res.json()) as Json;
  };
  const eobs: Json[] = [];
  for (
    let url: string | undefined = `${emu.baseUrl}/v2/fhir/ExplanationOfBenefit/?_count=50`;
    url;
  ) {
    const bundle = await get(url);
    eobs.push(...(bundle.entry ?? []).map((e: Json) => e.resource));
    url = bundle.link?.find((l: Json) => l.relation === 'next')?.url;
  }
  const coverage = (await get(`${emu.baseUrl}/v2/fhir/Coverage/`)).entry.map(
    (e: Json) => e.resource,
  );
  const patient = (await get(`${emu.baseUrl}/v2/fhir/Patient/`)).entry[0].resource;
  const profile = await get(`${emu.baseUrl}/v2/connect/userinfo`);
  return { eobs, coverage, patient, profile };
}

/** The row the sample should render for a raw EOB. */
export function expectedClaim(eob: Json): ExpectedClaim {
  const type = eob.type.coding
    .find((c: Json) => c.system === 'https://bluebutton.cms.gov/resources/codesystem/eob-type')
    .code.toLowerCase();
  const org = (eob.contained ?? []).find((r: Json) => `#${r.id}` === eob.provider?.reference);
  const npi = org
    ? org.identifier.find((i: Json) => i.system === 'http://hl7.org/fhir/sid/us-npi').value
    : eob.provider.identifier.value;
  return {
    id: eob.id,
    date: eob.billablePeriod.start,
    type,
    provider: `NPI ${npi}`,
    paidCents: Math.round(eob.payment.amount.value * 100),
  };
}

/** `$1,234.56`. */
export function usd(cents: number): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(cents / 100);
}
