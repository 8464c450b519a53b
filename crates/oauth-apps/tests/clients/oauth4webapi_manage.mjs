// Manages a client's registration (RFC 7592) with oauth4webapi, a maintained OAuth client
// library. It has no RFC 7592 helpers, so this uses its protectedResourceRequest, which
// sends the registration access token as an RFC 6750 bearer token and turns an RFC 6750
// challenge into a WWWAuthenticateChallengeError.
//
//   node oauth4webapi_manage.mjs METHOD REGISTRATION_CLIENT_URI REGISTRATION_ACCESS_TOKEN [BODY_JSON]
//
// OAUTH4WEBAPI names the library's entry file (scripts/test installs it). Prints
// {ok: true, status, body} for an answer without a challenge (body null when empty), or
// {ok: false, kind, status, error, description} for a challenge.

import { failure } from './report.mjs';

const oauth = await import(process.env.OAUTH4WEBAPI);
const [method, uri, token, body] = process.argv.slice(2);
const headers = new Headers({ accept: 'application/json' });
if (body !== undefined) headers.set('content-type', 'application/json');

try {
  const response = await oauth.protectedResourceRequest(token, method, new URL(uri), headers, body, {
    [oauth.allowInsecureRequests]: true,
  });
  const text = await response.text();
  console.log(JSON.stringify({ ok: true, status: response.status, body: text ? JSON.parse(text) : null }));
} catch (e) {
  console.log(JSON.stringify(failure(e)));
}
