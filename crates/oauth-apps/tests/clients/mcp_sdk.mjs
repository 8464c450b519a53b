// What an MCP client built with the Model Context Protocol TypeScript SDK
// (@modelcontextprotocol/sdk) sends: the client metadata of its machine-to-machine
// providers, registered at POST /register (RFC 7591) with the SDK's registerClient (its
// ClientCredentialsProvider: client_credentials with client_secret_basic), or published as
// a Client ID Metadata Document (its PrivateKeyJwtProvider: client_credentials with
// private_key_jwt); and the client assertion the SDK signs for the latter.
//
//   node mcp_sdk.mjs register BASE
//   node mcp_sdk.mjs document CLIENT_ID_URL
//   node mcp_sdk.mjs assertion CLIENT_ID_URL PRIVATE_JWK_JSON AUDIENCE
//
// MCP_SDK names the SDK's dist/esm folder (scripts/test installs it). `register` prints
// {ok: true, client} or {ok: false, status, error, description}; `document` prints the
// document ({document, privateJwk}: the SDK's PrivateKeyJwtProvider metadata with the
// client id and a fresh P-256 public key); `assertion` prints {assertion}.

const sdk = process.env.MCP_SDK;
const { registerClient } = await import(`${sdk}/client/auth.js`);
const { ClientCredentialsProvider, PrivateKeyJwtProvider } = await import(
  `${sdk}/client/auth-extensions.js`
);
const [command, ...args] = process.argv.slice(2);

function machineProvider(clientId, privateJwk) {
  return new PrivateKeyJwtProvider({
    clientId,
    privateKey: privateJwk,
    algorithm: 'ES256',
    clientName: 'MCP machine client',
    expectedIssuer: 'https://as.example',
  });
}

if (command === 'register') {
  const [base] = args;
  const provider = new ClientCredentialsProvider({
    clientId: 'unregistered',
    clientSecret: 'unregistered',
    clientName: 'MCP machine client',
    expectedIssuer: 'https://as.example',
  });
  try {
    const client = await registerClient(base, { clientMetadata: provider.clientMetadata });
    console.log(JSON.stringify({ ok: true, client }));
  } catch (e) {
    console.log(
      JSON.stringify({ ok: false, kind: e.constructor.name, error: e.errorCode ?? e.code, description: e.message }),
    );
  }
} else if (command === 'document') {
  const [clientId] = args;
  const { publicKey, privateKey } = await crypto.subtle.generateKey(
    { name: 'ECDSA', namedCurve: 'P-256' },
    true,
    ['sign', 'verify'],
  );
  const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', publicKey);
  const publicJwk = { kty, crv, x, y, kid: 'mcp-1', alg: 'ES256', use: 'sig' };
  const { d } = await crypto.subtle.exportKey('jwk', privateKey);
  const privateJwk = { kty, crv, x, y, d };
  const provider = machineProvider(clientId, privateJwk);
  const document = { client_id: clientId, ...provider.clientMetadata, jwks: { keys: [publicJwk] } };
  console.log(JSON.stringify({ document, privateJwk }));
} else if (command === 'assertion') {
  const [clientId, privateJwk, audience] = args;
  const provider = machineProvider(clientId, JSON.parse(privateJwk));
  const params = new URLSearchParams();
  await provider.addClientAuthentication(new Headers(), params, new URL(audience), { issuer: audience });
  console.log(JSON.stringify({ assertion: params.get('client_assertion') }));
} else {
  console.error(`unknown command ${command}`);
  process.exit(2);
}
