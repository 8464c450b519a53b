"""A client of the example token endpoint written with Authlib, a maintained OAuth
library: the endpoint must work with what real clients send.

    authlib_client.py keygen KID
        prints {"private": JWK, "public": JWK Set} for a new P-256 key (joserfc)
    authlib_client.py token URL METHOD CLIENT_ID CREDENTIAL [SCOPE]
        obtains a token by the client credentials grant and prints it as JSON;
        METHOD is client_secret_basic, client_secret_post or private_key_jwt, and
        CREDENTIAL the secret or the private JWK (JSON). An OAuth error is printed
        as {"error": ..., "status": ...} with exit status 3.
"""

import json
import sys
import time

from authlib.integrations.requests_client import OAuth2Session, OAuthError
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from joserfc.jwk import ECKey


def keygen(kid):
    key = ECKey.generate_key("P-256", parameters={"kid": kid, "alg": "ES256"}, private=True)
    public = key.as_dict(private=False)
    print(json.dumps({"private": key.as_dict(private=True), "public": {"keys": [public]}}))


def token(url, method, client_id, credential, scope=None):
    if method == "private_key_jwt":
        # A fresh auth object per request: Authlib writes the jti into the claims it is
        # given, and its default lifetime (an hour) is over the registry's 10 minutes.
        auth = PrivateKeyJWT(url, claims={"exp": int(time.time()) + 300}, alg="ES256")
        # Authlib reads a key given as text as RSA: an EC key is given as a key object.
        key = ECKey.import_key(json.loads(credential))
        session = OAuth2Session(client_id, key, token_endpoint_auth_method=auth)
    else:
        session = OAuth2Session(client_id, credential, token_endpoint_auth_method=method)
    try:
        kwargs = {"grant_type": "client_credentials"}
        if scope:
            kwargs["scope"] = scope
        result = session.fetch_token(url, **kwargs)
    except OAuthError as e:
        print(json.dumps({"error": e.error, "description": e.description}))
        sys.exit(3)
    print(json.dumps(dict(result)))


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {"keygen": keygen, "token": token}[command](*args)
