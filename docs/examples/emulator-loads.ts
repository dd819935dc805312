import { BlueButtonEmulator } from 'nestjs-bluebutton/testing';

const emu = await BlueButtonEmulator.start();
// In-process tokens (no HTTP): the quick way to enrol many beneficiaries in a test or a bench.
const { access_token } = emu.issueToken({ user: 'BBUser20000' });
const search = async (query: string) => {
  const res = await fetch(`${emu.baseUrl}/v2/fhir/ExplanationOfBenefit?${query}`, {
    headers: { authorization: `Bearer ${access_token}` },
  });
  return (await res.json()) as { total: number; meta: { lastUpdated: string } };
};
const watermark = (await search('_count=50')).meta.lastUpdated;

// A weekly load at the emulator clock's time: two new Part D events, one reloaded claim.
emu.loadClaims({ user: 'BBUser20000', add: { pde: 2 }, update: 1, coverage: ['part-d'] });
// The next load lands when the Coverage search of the client's next pass arrives.
emu.scheduleLoad(
  { path: '/v2/fhir/Coverage', method: 'GET' },
  { user: 'BBUser20000', add: { carrier: 1 } },
);

console.log((await search(`_lastUpdated=gt${encodeURIComponent(watermark)}`)).total); // 3
await emu.close();
