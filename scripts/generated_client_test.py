"""Every operation of both surfaces, driven through a Python client that
openapi-python-client generated from the served /openapi.json, against a running server.

Each success must parse into the model the document declares for it, with the values the
calls imply; each error status the document declares for an operation must parse into
that operation's declared error model. A field served under another name than the
document says, a value outside a declared enum, a missing required field or an
undocumented status fails here (the client raises on undocumented statuses).

Usage: generated_client_test.py BASE_URL PACKAGE_DIR OPENAPI_JSON ADMIN MEMBER
       AUTHENTICATOR LIMITED
"""

import concurrent.futures
import json
import socket
import sys
import uuid
from urllib.parse import urlsplit

import httpx

BASE, PACKAGE_DIR, DOCUMENT = sys.argv[1], sys.argv[2], sys.argv[3]
ADMIN, MEMBER, AUTHENTICATOR, LIMITED = sys.argv[4:8]
sys.path.insert(0, PACKAGE_DIR)

from oauth_apps_client import AuthenticatedClient, Client  # noqa: E402
from oauth_apps_client.api.flat import (  # noqa: E402
    flat_authenticate_client,
    flat_create,
    flat_disable,
    flat_enable,
    flat_events,
    flat_feed,
    flat_get,
    flat_list,
    flat_list_initial_access_tokens,
    flat_mint_initial_access_token,
    flat_patch,
    flat_resolve_client_metadata,
    flat_revoke_initial_access_token,
    flat_revoke_previous_secret,
    flat_rotate_keys,
    flat_rotate_secret,
    flat_create_webhook,
    flat_delete_webhook,
    flat_get_policy,
    flat_policy_violations,
    flat_put_policy,
    flat_secret_scanning_report,
    flat_get_webhook,
    flat_list_webhooks,
    flat_patch_webhook,
    flat_rotate_webhook_secret,
    flat_webhook_deliveries,
)
from oauth_apps_client.api.operations import healthz, metrics, readyz  # noqa: E402
from oauth_apps_client.api.registration import authorization_server_metadata  # noqa: E402
from oauth_apps_client.api.v1 import (  # noqa: E402
    v1_create,
    v1_events,
    v1_get,
    v1_list,
    v1_patch,
    v1_regenerate_secret,
    v1_revoke,
    v1_rotate_keys,
)
from oauth_apps_client.models import (  # noqa: E402
    AccessLevel,
    AuthorizationServerMetadata,
    App,
    AppEnvelope,
    AppPage,
    AppType,
    AppWithSecret,
    AuditAction,
    AuditPage,
    ClientAuthenticationResult,
    ClientCredentials,
    CreateApp,
    CreateAppV1,
    CreatedEnvelope,
    ErrorCode,
    ErrorEnvelope,
    EventsEnvelope,
    FeedAnswer,
    GrantType,
    Health,
    InitialAccessTokenView,
    HealthStatus,
    ListEnvelope,
    MintedTokenView,
    MintToken,
    PatchApp,
    PatchAppV1,
    ProblemDetails,
    RegeneratedEnvelope,
    RegenerateSecret,
    RotateKeysBody,
    RotateKeysV1,
    RotateSecret,
    Status,
    Success,
    TokenList,
    UpdatedEnvelope,
    DeliveryList,
    EventTypeName,
    NewWebhook,
    PolicyAnswer,
    PolicyBody,
    PolicyProfileName,
    ViolationsAnswer,
    WebhookChange,
    WebhookList,
    WebhookView,
    WebhookWithSecretView,
)

MODULES = {
    m.__name__.rsplit(".", 1)[1]: m
    for m in [
        flat_authenticate_client, flat_create, flat_disable, flat_enable, flat_events, flat_feed,
        flat_get, flat_list, flat_list_initial_access_tokens, flat_mint_initial_access_token,
        flat_patch, flat_resolve_client_metadata, flat_revoke_initial_access_token,
        flat_revoke_previous_secret, flat_rotate_keys,
        flat_rotate_secret, flat_create_webhook, flat_delete_webhook, flat_get_webhook,
        flat_list_webhooks, flat_patch_webhook, flat_rotate_webhook_secret,
        flat_webhook_deliveries, flat_get_policy, flat_put_policy, flat_secret_scanning_report,
        flat_policy_violations,
        v1_create, v1_events, v1_get, v1_list, v1_patch, v1_regenerate_secret,
        v1_revoke, v1_rotate_keys,
        healthz, readyz, metrics, authorization_server_metadata,
    ]
}


def client(token=None):
    if token is None:
        return Client(base_url=BASE, raise_on_unexpected_status=True, timeout=30)
    return AuthenticatedClient(
        base_url=BASE, token=token, raise_on_unexpected_status=True, timeout=30
    )


admin, member, authenticator, limited, anonymous = (
    client(ADMIN), client(MEMBER), client(AUTHENTICATOR), client(LIMITED), client()
)

checked = []  # (operation, status) pairs whose answer parsed as declared
failures = []
# A real error answer of each surface for each status, to parse through every operation
# that declares that status.
samples = {}


def expect(operation, response, status, model):
    """`response` has `status` and parsed into `model`; returns the parsed value."""
    if response.status_code != status:
        raise AssertionError(
            f"{operation}: expected {status}, got {response.status_code}: "
            f"{response.content[:300]!r}"
        )
    if not isinstance(response.parsed, model):
        raise AssertionError(
            f"{operation} {status}: parsed {type(response.parsed).__name__}, "
            f"not {model.__name__}"
        )
    checked.append((operation, status))
    if status >= 400:
        surface = "v1" if operation.startswith("v1_") else "flat"
        samples.setdefault((surface, status), response)
        check_error(operation, status, response.parsed)
    return response.parsed


def check_error(operation, status, parsed):
    if isinstance(parsed, ProblemDetails):
        assert parsed.status == status, (operation, parsed.status)
        assert parsed.type_.startswith("urn:oauth-apps:problem:"), parsed.type_
        assert parsed.detail, operation
    else:
        assert parsed.success is False, operation
        assert isinstance(parsed.error.code, ErrorCode), operation
        assert parsed.message, operation


RAW = httpx.Client(base_url=BASE, timeout=30)


def raw(method, path, token=ADMIN, **kwargs):
    """A request the generated client would not send (wrong type, unknown field)."""
    headers = kwargs.pop("headers", {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return RAW.request(method, path, headers=headers, **kwargs)


def parse(operation, response):
    """`response` as the generated client parses it for `operation`."""
    return MODULES[operation]._build_response(client=admin, response=response)


def slow_body(path, token=ADMIN):
    """A body that stops half-way: the server answers 408 after its body time-out."""
    host = urlsplit(BASE)
    with socket.create_connection((host.hostname, host.port), timeout=10) as s:
        s.sendall(
            (
                f"POST {path} HTTP/1.1\r\nHost: localhost\r\n"
                f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
                "Content-Length: 200\r\n\r\n{\"name\": "
            ).encode()
        )
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    status = int(lines[0].split()[1])
    headers = [tuple(line.split(": ", 1)) for line in lines[1:] if ": " in line]
    return httpx.Response(status, headers=headers, content=body)


def busy(operation, call):
    """Concurrent hashing work until one answer is 503 (the hasher's queue is full)."""
    for _ in range(20):
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(lambda _: call(), range(16)))
        for answer in answers:
            if answer.status_code == 503:
                return answer
    raise AssertionError(f"{operation}: the hasher never answered busy")


def over_the_limit(operation, call):
    """Writes by one caller until its rate limit answers 429."""
    for _ in range(1000):
        answer = call()
        if answer.status_code == 429:
            return answer
    raise AssertionError(f"{operation}: no 429 after 1000 writes")


# ---------------------------------------------------------------- operations
def test_operations():
    health = expect("healthz", healthz.sync_detailed(client=anonymous), 200, Health)
    assert health.status == HealthStatus.OK
    ready = expect("readyz", readyz.sync_detailed(client=anonymous), 200, Health)
    assert ready.status == HealthStatus.READY
    text = expect("metrics", metrics.sync_detailed(client=anonymous), 200, str)
    assert "http_requests_total" in text


# ---------------------------------------------------------------- surface A
def test_flat():
    body = CreateApp(
        owner_org_id="acme",
        name="Billing",
        type_=AppType.WEB,
        redirect_urls=["https://billing.example.com/callback"],
        allowed_scopes=["read"],
        description="Invoices",
        grant_types=[GrantType.AUTHORIZATION_CODE, GrantType.CLIENT_CREDENTIALS],
        access_level=AccessLevel.USER,
    )
    r = flat_create.sync_detailed(client=admin, body=body)
    created = expect("flat_create", r, 201, AppWithSecret)
    app = created.application
    assert isinstance(app, App)
    assert (app.name, app.owner_org_id, app.type_) == ("Billing", "acme", AppType.WEB)
    assert app.redirect_urls == ["https://billing.example.com/callback"]
    assert app.allowed_scopes == ["read"] and app.description == "Invoices"
    assert app.grant_types == [GrantType.AUTHORIZATION_CODE, GrantType.CLIENT_CREDENTIALS]
    assert app.access_level == AccessLevel.USER
    assert app.disabled is False and app.is_first_party is False
    assert app.previous_secret_expires_at is None
    assert app.created_at.tzinfo is not None and app.updated_at >= app.created_at
    assert r.headers["location"] == f"/api/oauth-applications/{app.client_id}"
    assert r.headers["cache-control"] == "no-store"
    secret = created.client_secret
    cid = app.client_id

    got = flat_get.sync_detailed(cid, client=member)
    assert expect("flat_get", got, 200, App).name == "Billing"
    etag = got.headers["etag"]

    page = expect(
        "flat_list", flat_list.sync_detailed(client=member, owner_org_id="acme", limit=1), 200, AppPage
    )
    assert len(page.items) == 1 and isinstance(page.items[0], App)
    assert page.next_cursor is None or isinstance(page.next_cursor, str)

    patched = flat_patch.sync_detailed(
        cid, client=admin, body=PatchApp(name="Renamed", description=None), if_match=f'"99", {etag}'
    )
    app = expect("flat_patch", patched, 200, App)
    assert app.name == "Renamed" and app.description is None
    assert patched.headers["etag"] != etag

    rotated = flat_rotate_secret.sync_detailed(cid, client=admin)  # no body
    new = expect("flat_rotate_secret", rotated, 200, AppWithSecret)
    assert new.client_secret != secret and new.application.previous_secret_expires_at is None
    graced = flat_rotate_secret.sync_detailed(
        cid, client=admin, body=RotateSecret(grace_period_seconds=600)
    )
    newest = expect("flat_rotate_secret", graced, 200, AppWithSecret)
    assert newest.application.previous_secret_expires_at is not None

    for presented, valid in [(new.client_secret, True), (newest.client_secret, True), (secret, False)]:
        answer = expect(
            "flat_authenticate_client",
            flat_authenticate_client.sync_detailed(
                client=authenticator,
                body=ClientCredentials(client_id=str(cid), client_secret=presented),
            ),
            200,
            ClientAuthenticationResult,
        )
        assert answer.valid is valid
        if valid:
            assert isinstance(answer.application, App) and answer.application.client_id == cid

    revoked = flat_revoke_previous_secret.sync_detailed(cid, client=admin)
    assert expect("flat_revoke_previous_secret", revoked, 200, App).previous_secret_expires_at is None

    trail = expect("flat_events", flat_events.sync_detailed(cid, client=admin, limit=10), 200, AuditPage)
    actions = [e.action for e in trail.items]
    assert actions[-1] == AuditAction.CREATED and AuditAction.SECRET_ROTATED in actions
    assert trail.items[0].actor == "client-admin" and trail.items[0].request_id

    disabled = flat_disable.sync_detailed(cid, client=admin)
    assert expect("flat_disable", disabled, 200, Success).success is True
    assert flat_get.sync_detailed(cid, client=admin).parsed.disabled is True

    # Errors, each from a request that earns it.
    expect("flat_rotate_secret", flat_rotate_secret.sync_detailed(cid, client=admin), 409, ProblemDetails)
    enabled = flat_enable.sync_detailed(cid, client=admin)
    assert expect("flat_enable", enabled, 200, App).disabled is False
    expect("flat_get", flat_get.sync_detailed(cid, client=anonymous), 401, ProblemDetails)
    expect("flat_get", flat_get.sync_detailed(uuid.uuid4(), client=admin), 404, ProblemDetails)
    expect("flat_create", flat_create.sync_detailed(client=member, body=body), 403, ProblemDetails)
    bad_url = CreateApp(owner_org_id="acme", name="X", type_=AppType.WEB, redirect_urls=["http://x.example/cb"])
    problem = expect("flat_create", flat_create.sync_detailed(client=admin, body=bad_url), 422, ProblemDetails)
    assert problem.errors[0].field == "redirectUrls[0]"
    stale = flat_patch.sync_detailed(cid, client=admin, body=PatchApp(name="Y"), if_match='"1"')
    expect("flat_patch", stale, 412, ProblemDetails)
    expect("flat_list", flat_list.sync_detailed(client=admin, owner_org_id="acme", cursor="x"), 422, ProblemDetails)
    unknown = parse("flat_create", raw("POST", "/api/oauth-applications", json={"ownerOrgId": "acme", "colour": 1}))
    problem = expect("flat_create", unknown, 400, ProblemDetails)
    assert {e.field for e in problem.errors} >= {"colour", "name"}
    big = parse("flat_create", raw("POST", "/api/oauth-applications", json={"name": "x" * 70_000}))
    expect("flat_create", big, 413, ProblemDetails)
    text = parse("flat_create", raw("POST", "/api/oauth-applications", content="{}", headers={"Content-Type": "text/plain"}))
    expect("flat_create", text, 415, ProblemDetails)
    expect("flat_create", parse("flat_create", slow_body("/api/oauth-applications")), 408, ProblemDetails)
    limited_call = lambda: parse(
        "flat_patch", raw("PATCH", f"/api/oauth-applications/{cid}", token=LIMITED, json={"bogus": 1})
    )
    expect("flat_patch", over_the_limit("flat_patch", limited_call), 429, ProblemDetails)
    busy_call = lambda: flat_create.sync_detailed(client=admin, body=body)
    expect("flat_create", busy("flat_create", busy_call), 503, ProblemDetails)


# ---------------------------------------------------------------- surface B
V1 = "/api/v1/organizations/acme/oauth-applications"


def test_v1():
    body = CreateAppV1(
        name="Reports",
        redirect_uris=["https://reports.example.com/cb"],
        scopes=["read"],
        type_=AppType.WEB,
        description="Monthly",
    )
    r = v1_create.sync_detailed("acme", client=admin, body=body)
    created = expect("v1_create", r, 201, CreatedEnvelope)
    data = created.data
    assert created.success is True and data.name == "Reports" and data.client_secret
    assert data.status == Status.ACTIVE and data.type_ == AppType.WEB
    assert r.headers["location"] == f"{V1}/{data.id}"
    app_id = data.id

    got = v1_get.sync_detailed("acme", app_id, client=member)
    envelope = expect("v1_get", got, 200, AppEnvelope)
    assert envelope.data.client_id == data.client_id and envelope.data.scopes == ["read"]

    listed = expect("v1_list", v1_list.sync_detailed("acme", client=member, page=1, per_page=5), 200, ListEnvelope)
    assert listed.pagination.page == 1 and listed.pagination.per_page == 5
    assert listed.pagination.total >= 1 and len(listed.data) >= 1

    patched = v1_patch.sync_detailed(
        "acme", app_id, client=admin, body=PatchAppV1(name="Reports 2"), if_match=got.headers["etag"]
    )
    updated = expect("v1_patch", patched, 200, UpdatedEnvelope)
    assert updated.data.name == "Reports 2" and updated.data.message == updated.message

    regenerated = v1_regenerate_secret.sync_detailed("acme", app_id, client=admin)  # no body
    secret = expect("v1_regenerate_secret", regenerated, 200, RegeneratedEnvelope)
    assert secret.data.client_secret and secret.data.previous_secret_expires_at is None
    graced = v1_regenerate_secret.sync_detailed(
        "acme", app_id, client=admin, body=RegenerateSecret(grace_period_seconds=60)
    )
    assert expect("v1_regenerate_secret", graced, 200, RegeneratedEnvelope).data.previous_secret_expires_at

    trail = expect("v1_events", v1_events.sync_detailed("acme", app_id, client=admin), 200, EventsEnvelope)
    assert trail.data[-1].action == AuditAction.CREATED
    assert trail.data[0].changed_fields

    revoked = v1_revoke.sync_detailed("acme", app_id, client=admin)
    assert expect("v1_revoke", revoked, 200, AppEnvelope).data.status == Status.REVOKED

    # Errors, each from a request that earns it.
    conflict = expect("v1_regenerate_secret", v1_regenerate_secret.sync_detailed("acme", app_id, client=admin), 409, ErrorEnvelope)
    assert conflict.error.code == ErrorCode.CONFLICT
    expect("v1_get", v1_get.sync_detailed("acme", app_id, client=anonymous), 401, ErrorEnvelope)
    expect("v1_get", v1_get.sync_detailed("acme", 999_999, client=admin), 404, ErrorEnvelope)
    expect("v1_get", parse("v1_get", raw("GET", f"{V1}/abc")), 400, ErrorEnvelope)
    expect("v1_create", v1_create.sync_detailed("acme", client=member, body=body), 403, ErrorEnvelope)
    bad = CreateAppV1(name="X", redirect_uris=["javascript:alert(1)"])
    invalid = expect("v1_create", v1_create.sync_detailed("acme", client=admin, body=bad), 422, ErrorEnvelope)
    assert invalid.error.code == ErrorCode.VALIDATION_ERROR and invalid.error.details[0].field == "redirect_uris[0]"
    stale = v1_patch.sync_detailed("acme", app_id, client=admin, body=PatchAppV1(name="Z"), if_match='"1"')
    expect("v1_patch", stale, 412, ErrorEnvelope)
    expect("v1_list", v1_list.sync_detailed("acme", client=admin, per_page=500), 422, ErrorEnvelope)
    unknown = parse("v1_create", raw("POST", V1, json={"name": "x", "colour": 1}))
    expect("v1_create", unknown, 400, ErrorEnvelope)
    expect("v1_create", parse("v1_create", raw("POST", V1, json={"name": "x" * 70_000})), 413, ErrorEnvelope)
    text = parse("v1_create", raw("POST", V1, content="{}", headers={"Content-Type": "text/plain"}))
    expect("v1_create", text, 415, ErrorEnvelope)
    expect("v1_create", parse("v1_create", slow_body(V1)), 408, ErrorEnvelope)
    limited_call = lambda: parse("v1_patch", raw("PATCH", f"{V1}/{app_id}", token=LIMITED, json={"bogus": 1}))
    expect("v1_patch", over_the_limit("v1_patch", limited_call), 429, ErrorEnvelope)
    busy_call = lambda: v1_create.sync_detailed("acme", client=admin, body=body)
    expect("v1_create", busy("v1_create", busy_call), 503, ErrorEnvelope)


# ---------------------------------------------------------------- keys (private_key_jwt)
AUDIENCE = "https://as.example/token"


def key_pair(kid):
    from joserfc.jwk import ECKey

    key = ECKey.generate_key("P-256", parameters={"kid": kid, "alg": "ES256"}, private=True)
    return key, {"keys": [key.as_dict(private=False)]}


def assertion(key, client_id):
    import time

    from joserfc import jwt

    now = int(time.time())
    claims = {"iss": client_id, "sub": client_id, "aud": AUDIENCE, "iat": now,
              "exp": now + 300, "jti": str(uuid.uuid4())}
    return jwt.encode({"alg": "ES256", "kid": key.kid}, claims, key)


def authenticate(key, cid):
    body = ClientCredentials.from_dict({
        "clientAssertionType": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "clientAssertion": assertion(key, str(cid)),
    })
    answer = expect(
        "flat_authenticate_client",
        flat_authenticate_client.sync_detailed(client=authenticator, body=body),
        200,
        ClientAuthenticationResult,
    )
    return answer


def test_keys():
    first, first_set = key_pair("k1")
    body = CreateApp.from_dict({
        "ownerOrgId": "acme", "name": "Signed", "type": "web",
        "redirectUrls": ["https://signed.example.com/cb"],
        "tokenEndpointAuthMethod": "private_key_jwt", "jwks": first_set,
    })
    created = expect("flat_create", flat_create.sync_detailed(client=admin, body=body), 201, AppWithSecret)
    assert not created.client_secret, "no secret for private_key_jwt"
    app = created.application
    assert app.token_endpoint_auth_method == "private_key_jwt"
    assert app.credentials.current.kind == "key_set" and app.credentials.current.hint == "k1"
    cid = app.client_id
    answer = authenticate(first, cid)
    assert answer.valid is True and answer.method == "private_key_jwt", answer

    second, second_set = key_pair("k2")
    rotated = flat_rotate_keys.sync_detailed(
        cid, client=admin, body=RotateKeysBody.from_dict({"jwks": second_set, "gracePeriodSeconds": 600})
    )
    app = expect("flat_rotate_keys", rotated, 200, App)
    assert app.credentials.current.hint == "k2" and app.credentials.previous.hint == "k1"
    assert app.credentials.previous.last_used_at is not None
    assert authenticate(first, cid).valid is True and authenticate(second, cid).valid is True
    expect("flat_rotate_secret", flat_rotate_secret.sync_detailed(cid, client=admin), 409, ProblemDetails)
    bad = RotateKeysBody.from_dict({"jwksUri": "https://169.254.169.254/jwks"})
    expect("flat_rotate_keys", flat_rotate_keys.sync_detailed(cid, client=admin, body=bad), 422, ProblemDetails)

    listed = v1_list.sync_detailed("acme", client=admin, per_page=100).parsed
    app_id = next(a.id for a in listed.data if str(a.client_id) == str(cid))
    third, third_set = key_pair("k3")
    rotated = v1_rotate_keys.sync_detailed(
        "acme", app_id, client=admin, body=RotateKeysV1.from_dict({"jwks": third_set})
    )
    envelope = expect("v1_rotate_keys", rotated, 200, AppEnvelope)
    assert envelope.data.token_endpoint_auth_method == "private_key_jwt"
    assert envelope.data.credentials.current.hint == "k3" and envelope.data.credentials.previous is None
    assert authenticate(third, cid).valid is True and authenticate(second, cid).valid is False
    bad = RotateKeysV1.from_dict({"jwks_uri": "https://10.0.0.1/jwks"})
    expect("v1_rotate_keys", v1_rotate_keys.sync_detailed("acme", app_id, client=admin, body=bad), 422, ErrorEnvelope)


def test_mutual_tls():
    import subprocess
    pem = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-keyout", "/dev/null", "-subj", "/CN=client/O=Example", "-days", "2",
         "-addext", "subjectAltName=DNS:client.example.com"],
        check=True, capture_output=True, text=True,
    ).stdout
    body = CreateApp.from_dict({
        "ownerOrgId": "acme", "name": "Mutual TLS", "type": "web",
        "redirectUrls": ["https://mtls.example.com/cb"],
        "tokenEndpointAuthMethod": "tls_client_auth",
        "tlsClientAuthSanDns": "client.example.com",
        "tlsClientCertificateBoundAccessTokens": True,
        "requirePushedAuthorizationRequests": True,
    })
    created = expect("flat_create", flat_create.sync_detailed(client=admin, body=body), 201, AppWithSecret)
    app = created.application
    assert not created.client_secret
    assert app.tls_client_auth_san_dns == "client.example.com"
    assert app.tls_client_certificate_bound_access_tokens is True
    assert app.require_pushed_authorization_requests is True and app.dpop_bound_access_tokens is False
    presented = ClientCredentials.from_dict({"clientId": str(app.client_id), "clientCertificate": pem})
    answer = expect(
        "flat_authenticate_client",
        flat_authenticate_client.sync_detailed(client=authenticator, body=presented),
        200,
        ClientAuthenticationResult,
    )
    assert answer.valid is True and answer.method == "tls_client_auth", answer
    assert answer.to_dict()["x5t#S256"], answer.to_dict()
    garbage = ClientCredentials.from_dict({"clientId": str(app.client_id), "clientCertificate": "x"})
    refused = expect(
        "flat_authenticate_client",
        flat_authenticate_client.sync_detailed(client=authenticator, body=garbage),
        400,
        ProblemDetails,
    )
    assert refused.errors[0].field == "clientCertificate", refused.errors
    listed = v1_list.sync_detailed("acme", client=admin, per_page=100).parsed
    v1 = next(a for a in listed.data if str(a.client_id) == str(app.client_id))
    assert v1.tls_client_auth_san_dns == "client.example.com"
    assert v1.tls_client_certificate_bound_access_tokens is True


# ---------------------------------------------------------------- initial access tokens
def test_tokens():
    minted = expect(
        "flat_mint_initial_access_token",
        flat_mint_initial_access_token.sync_detailed(
            client=admin, body=MintToken(owner_org_id="acme", expires_in_seconds=600, max_uses=2)
        ),
        201,
        MintedTokenView,
    )
    assert minted.initial_access_token.startswith("oait_")
    assert minted.token.max_uses == 2 and minted.token.uses == 0 and minted.token.revoked_at is None
    listed = expect(
        "flat_list_initial_access_tokens",
        flat_list_initial_access_tokens.sync_detailed(client=admin, owner_org_id="acme"),
        200,
        TokenList,
    )
    assert any(t.id == minted.token.id for t in listed.items)
    revoked = expect(
        "flat_revoke_initial_access_token",
        flat_revoke_initial_access_token.sync_detailed(minted.token.id, client=admin),
        200,
        InitialAccessTokenView,
    )
    assert revoked.revoked_at is not None
    expect(
        "flat_revoke_initial_access_token",
        flat_revoke_initial_access_token.sync_detailed(uuid.uuid4(), client=admin),
        404,
        ProblemDetails,
    )
    expect(
        "flat_list_initial_access_tokens",
        flat_list_initial_access_tokens.sync_detailed(client=member, owner_org_id="acme"),
        403,
        ProblemDetails,
    )
    bad = MintToken(owner_org_id="acme", expires_in_seconds=10)
    expect(
        "flat_mint_initial_access_token",
        flat_mint_initial_access_token.sync_detailed(client=admin, body=bad),
        422,
        ProblemDetails,
    )


def test_feed():
    page = expect("flat_feed", flat_feed.sync_detailed(client=authenticator, limit=100), 200, FeedAnswer)
    assert page.items, "the writes above are in the feed"
    positions = [item.id for item in page.items]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
    assert page.next_cursor == str(positions[-1])
    idle = expect(
        "flat_feed", flat_feed.sync_detailed(client=authenticator, after=page.next_cursor), 200, FeedAnswer
    )
    assert idle.items == [] and idle.next_cursor == page.next_cursor
    expect("flat_feed", flat_feed.sync_detailed(client=member, owner_org_id="acme"), 403, ProblemDetails)
    expect("flat_feed", flat_feed.sync_detailed(client=authenticator, after="-1"), 422, ProblemDetails)


def test_webhooks():
    body = NewWebhook(owner_org_id="acme", url="https://hooks.example.com/in", events=[EventTypeName.SECRET_ROTATED])
    created = expect(
        "flat_create_webhook", flat_create_webhook.sync_detailed(client=admin, body=body), 201, WebhookWithSecretView
    )
    assert created.secret.startswith("whsec_")
    assert created.events == [EventTypeName.SECRET_ROTATED]
    hook = created.id
    listed = expect(
        "flat_list_webhooks", flat_list_webhooks.sync_detailed(client=admin, owner_org_id="acme"), 200, WebhookList
    )
    assert hook in [w.id for w in listed.items]
    read = expect("flat_get_webhook", flat_get_webhook.sync_detailed(hook, client=admin), 200, WebhookView)
    assert read.url == "https://hooks.example.com/in"
    changed = expect(
        "flat_patch_webhook",
        flat_patch_webhook.sync_detailed(hook, client=admin, body=WebhookChange(events=None)),
        200,
        WebhookView,
    )
    assert changed.events is None
    rotated = expect(
        "flat_rotate_webhook_secret",
        flat_rotate_webhook_secret.sync_detailed(hook, client=admin),
        200,
        WebhookWithSecretView,
    )
    assert rotated.secret != created.secret and rotated.previous_secret_expires_at is not None
    expect(
        "flat_webhook_deliveries", flat_webhook_deliveries.sync_detailed(hook, client=admin), 200, DeliveryList
    )
    expect("flat_get_webhook", flat_get_webhook.sync_detailed(hook, client=member), 403, ProblemDetails)
    refused = expect(
        "flat_create_webhook",
        flat_create_webhook.sync_detailed(
            client=admin, body=NewWebhook(owner_org_id="acme", url="http://hooks.example.com/in")
        ),
        422,
        ProblemDetails,
    )
    assert refused.errors[0].field == "url", refused.errors
    deleted = flat_delete_webhook.sync_detailed(hook, client=admin)
    assert deleted.status_code == 204, deleted
    checked.append(("flat_delete_webhook", 204))
    expect("flat_get_webhook", flat_get_webhook.sync_detailed(hook, client=admin), 404, ProblemDetails)


def test_policy():
    read = expect("flat_get_policy", flat_get_policy.sync_detailed("acme", client=member), 200, PolicyAnswer)
    assert read.owner_org_id == "acme"
    body = PolicyBody.from_dict({"secretLifetimeDays": 90, "leakedSecretAction": "notify"})
    set_ = expect("flat_put_policy", flat_put_policy.sync_detailed("acme", client=admin, body=body), 200, PolicyAnswer)
    assert set_.effective_secret_lifetime_days == 90
    expect("flat_put_policy", flat_put_policy.sync_detailed("acme", client=member, body=body), 403, ProblemDetails)
    bad = PolicyBody.from_dict({"secretLifetimeDays": 0})
    refused = expect("flat_put_policy", flat_put_policy.sync_detailed("acme", client=admin, body=bad), 422, ProblemDetails)
    assert refused.errors[0].field == "secretLifetimeDays", refused.errors
    # What fapi2 would refuse, read before it is switched on; then switched on and read back.
    public = CreateApp.from_dict({
        "ownerOrgId": "acme", "name": "Public", "type": "native",
        "redirectUrls": ["http://127.0.0.1/cb"], "tokenEndpointAuthMethod": "none",
    })
    made = expect("flat_create", flat_create.sync_detailed(client=admin, body=public), 201, AppWithSecret)
    seen = expect(
        "flat_policy_violations",
        flat_policy_violations.sync_detailed("acme", client=member, profile=PolicyProfileName.FAPI2),
        200,
        ViolationsAnswer,
    )
    assert seen.profile == PolicyProfileName.FAPI2
    mine = [v for v in seen.violations if str(v.client_id) == str(made.application.client_id)]
    assert mine and any("fapi2.confidential_client" in e.message for e in mine[0].errors), seen
    raw_bad = raw("GET", "/api/organizations/acme/policy/violations?profile=fapi1", token=MEMBER)
    parsed = parse("flat_policy_violations", raw_bad)
    assert raw_bad.status_code == 422 and isinstance(parsed.parsed, ProblemDetails), raw_bad.text
    checked.append(("flat_policy_violations", 422))
    on = expect(
        "flat_put_policy",
        flat_put_policy.sync_detailed("acme", client=admin, body=PolicyBody.from_dict({"profile": "fapi2"})),
        200,
        PolicyAnswer,
    )
    assert on.profile == PolicyProfileName.FAPI2
    again = expect("flat_create", flat_create.sync_detailed(client=admin, body=public), 422, ProblemDetails)
    assert any("fapi2" in e.message for e in again.errors), again.errors
    expect("flat_disable", flat_disable.sync_detailed(made.application.client_id, client=admin), 200, Success)
    quiet = PolicyBody.from_dict({"staleAfterDays": 30})
    set_ = expect("flat_put_policy", flat_put_policy.sync_detailed("acme", client=admin, body=quiet), 200, PolicyAnswer)
    assert set_.stale_after_days == 30, set_
    never = PolicyBody.from_dict({"staleAfterDays": 3651})
    refused = expect("flat_put_policy", flat_put_policy.sync_detailed("acme", client=admin, body=never), 422, ProblemDetails)
    assert refused.errors[0].field == "staleAfterDays", refused.errors
    # Back to the defaults for what follows.
    expect(
        "flat_put_policy",
        flat_put_policy.sync_detailed("acme", client=admin, body=PolicyBody.from_dict({})),
        200,
        PolicyAnswer,
    )


def test_secret_scanning():
    # This server trusts no scanner key: every report is refused, unread.
    response = flat_secret_scanning_report.sync_detailed(
        client=anonymous,
        body=[],
        github_public_key_identifier="k",
        github_public_key_signature="c2ln",
    )
    expect("flat_secret_scanning_report", response, 401, ProblemDetails)


def test_client_metadata():
    # This server resolves no metadata documents (OAUTH_APPS_CIMD_ALLOWED_HOSTS unset): a
    # problem naming the rule; members may not resolve at all.
    refused = expect(
        "flat_resolve_client_metadata",
        flat_resolve_client_metadata.sync_detailed(
            client=authenticator, client_id="https://tools.example/client.json"
        ),
        422,
        ProblemDetails,
    )
    assert "host_not_allowed" in refused.errors[0].message, refused.errors
    expect(
        "flat_resolve_client_metadata",
        flat_resolve_client_metadata.sync_detailed(
            client=member, client_id="https://tools.example/client.json"
        ),
        403,
        ProblemDetails,
    )


def test_server_metadata():
    # Without a token; this server resolves no metadata documents and has no public URL.
    response = authorization_server_metadata.sync_detailed(client=anonymous)
    members = expect("authorization_server_metadata", response, 200, AuthorizationServerMetadata)
    assert response.headers["cache-control"] == "public, max-age=300", response.headers
    assert "private_key_jwt" in members.token_endpoint_auth_methods_supported, members
    assert "client_secret_jwt" not in members.token_endpoint_auth_methods_supported, members
    algorithms = members.token_endpoint_auth_signing_alg_values_supported
    assert algorithms and not any(a == "none" or a.startswith("HS") for a in algorithms), algorithms
    assert members.client_id_metadata_document_supported is False, members
    assert members.registration_endpoint == f"{BASE}/register", members
    assert members.tls_client_certificate_bound_access_tokens is True, members


# ---------------------------------------------------------------- every declared status
def test_every_declared_error_status():
    """Every error status the document declares for an operation parses into that
    operation's declared model: from the operation's own answer where a request above
    earned it, otherwise from a real answer of the same surface and status (the document
    declares the same shared answer for both). `/readyz`'s 503 (the database is gone) is
    left to the end-to-end tests that stop a database."""
    document = json.load(open(DOCUMENT))
    for path, item in document["paths"].items():
        for method, op in item.items():
            operation = op["operationId"]
            if not operation.startswith(("flat_", "v1_")):
                continue
            for status in map(int, op["responses"]):
                if status < 400 or (operation, status) in checked:
                    continue
                surface = "v1" if operation.startswith("v1_") else "flat"
                sample = samples.get((surface, status))
                if sample is None:
                    raise AssertionError(f"{operation}: no real {status} answer to parse")
                parsed = parse(operation, httpx.Response(status, headers=sample.headers, content=sample.content))
                model = ErrorEnvelope if surface == "v1" else ProblemDetails
                expect(operation, parsed, status, model)


for test in [
    test_operations, test_flat, test_v1, test_keys, test_mutual_tls, test_tokens, test_feed, test_webhooks,
    test_policy, test_secret_scanning, test_client_metadata,
    test_operations, test_flat, test_v1, test_keys, test_tokens, test_feed, test_webhooks,
    test_policy, test_secret_scanning, test_client_metadata, test_server_metadata,
    test_every_declared_error_status,
]:
    try:
        test()
    except Exception as e:  # noqa: BLE001 - every failure is reported, then the run fails
        failures.append(f"{test.__name__}: {type(e).__name__}: {e}")

operations = sorted({op for op, _ in checked})
print(f"generated client: {len(operations)} operations, {len(checked)} answers parsed as declared")
for failure in failures:
    print(f"FAILED {failure}")
print(f"{len(checked)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
