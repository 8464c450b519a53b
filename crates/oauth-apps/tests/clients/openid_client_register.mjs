// Registers a client with openid-client, a maintained OAuth client library: RFC 7591
// through its dynamicClientRegistration, as an application using the library does.
//
//   node openid_client_register.mjs BASE INITIAL_ACCESS_TOKEN METADATA_JSON
//
// OPENID_CLIENT names the library's entry file (scripts/test installs it). The library
// discovers the authorization server's metadata first; this registry is a registry, not an
// authorization server, so the discovery request is answered here with the registry's
// registration endpoint, and every other request goes to the registry as the library
// sends it. Prints the registered client as JSON ({ok: true, client}), or what the library
// made of a refusal ({ok: false, kind, status, error, description}).

import { failure } from './report.mjs';

const client = await import(process.env.OPENID_CLIENT);
const [base, initialAccessToken, metadata] = process.argv.slice(2);
const issuer = new URL(base);
const discovery = { issuer: issuer.href, registration_endpoint: new URL('/register', issuer).href };

async function registryFetch(url, options) {
  if (new URL(url).pathname.startsWith('/.well-known/')) {
    return Response.json(discovery);
  }
  return fetch(url, options);
}

try {
  const config = await client.dynamicClientRegistration(issuer, JSON.parse(metadata), undefined, {
    initialAccessToken: initialAccessToken || undefined,
    [client.customFetch]: registryFetch,
    execute: [client.allowInsecureRequests],
  });
  console.log(JSON.stringify({ ok: true, client: config.clientMetadata() }));
} catch (e) {
  console.log(JSON.stringify(failure(e)));
}
