// Registers a client with oauth4webapi, a maintained OAuth client library: RFC 7591
// through its dynamicClientRegistrationRequest / processDynamicClientRegistrationResponse.
//
//   node oauth4webapi_register.mjs BASE INITIAL_ACCESS_TOKEN METADATA_JSON
//
// OAUTH4WEBAPI names the library's entry file (scripts/test installs it). Prints the
// registered client as JSON ({ok: true, client}), or what the library made of a refusal
// ({ok: false, kind, status, error, description}).

import { failure } from './report.mjs';

const oauth = await import(process.env.OAUTH4WEBAPI);
const [base, initialAccessToken, metadata] = process.argv.slice(2);
const as = { issuer: base, registration_endpoint: `${base}/register` };

try {
  const response = await oauth.dynamicClientRegistrationRequest(as, JSON.parse(metadata), {
    initialAccessToken: initialAccessToken || undefined,
    [oauth.allowInsecureRequests]: true,
  });
  const client = await oauth.processDynamicClientRegistrationResponse(response);
  console.log(JSON.stringify({ ok: true, client }));
} catch (e) {
  console.log(JSON.stringify(failure(e)));
}
