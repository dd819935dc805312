import { BlueButtonEmulator } from 'nestjs-bluebutton/testing';

const emu = await BlueButtonEmulator.start({ redirectUris: ['http://localhost:3000/callback'] });
// emu.baseUrl is the `baseUrl` to configure; emu.client is { clientId, clientSecret, redirectUris }.
emu.faults.enqueue('/v2/fhir/Coverage', [
  { status: 503 },
  { status: 503, retryAfter: 1 },
  { drop: true },
]);
console.log(emu.requestsTo('/v2/o/token/', 'POST').map(r => r.form?.grant_type));
await emu.close();
