/**
 * What the emulator holds for one beneficiary, read over plain HTTP (fetch, following every next
 * link), independently of the package's paginators: the reference the sync tests compare against.
 */
import { AuthorizationToken } from 'nestjs-bluebutton';
import type { BlueButtonEmulator } from 'nestjs-bluebutton/testing';

/** `Type/id` → `meta.lastUpdated` (epoch ms), for every resource a beneficiary has. */
export type ResourceVersions = Map<string, number>;

const SEARCHES = ['ExplanationOfBenefit', 'Coverage', 'Patient'] as const;

/** A token for `user`, minted in-process (no HTTP), as the app would have stored it. */
export function tokenFor(
  emu: BlueButtonEmulator,
  user: string,
  scope?: string,
): AuthorizationToken {
  return AuthorizationToken.fromTokenResponse(emu.issueToken({ user, scope }));
}

/** Every resource of the three searches, as the emulator serves them now. */
export async function emulatorData(
  baseUrl: string,
  accessToken: string,
  version: 'v2' | 'v3' = 'v2',
): Promise<ResourceVersions> {
  const out: ResourceVersions = new Map();
  for (const type of SEARCHES) {
    let url: string | undefined = `${baseUrl}/${version}/fhir/${type}/?_count=50`;
    while (url) {
      const res = await fetch(url, { headers: { authorization: `Bearer ${accessToken}` } });
      if (!res.ok) throw new Error(`${type} search answered ${res.status}`);
      const bundle = (await res.json()) as {
        entry?: Array<{
          resource: { resourceType: string; id: string; meta: { lastUpdated: string } };
        }>;
        link?: Array<{ relation: string; url: string }>;
      };
      for (const { resource: r } of bundle.entry ?? [])
        out.set(`${r.resourceType}/${r.id}`, Date.parse(r.meta.lastUpdated));
      url = bundle.link?.find(l => l.relation === 'next')?.url;
    }
  }
  return out;
}
