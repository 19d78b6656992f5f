"""JSON Web Tokens: what is in a token, and whether it verifies.

Modules, lightest first (the `jwt decode` path imports only the first three; `verify.py` and
`jwks.py` pull in PyJWT's crypto backend and httpx, lazily, only when a key needs them):

    tokens.py        token input (Bearer, Cookie value, stdin) and base64url/JSON decoding
    claims.py        exp/iat/nbf/lifetime facts, Open WebUI claim hints, the time findings
    weak_secrets.py  stdlib-HMAC check of an HS* token against known default/example secrets
    report.py        the report of one `jwt decode|verify` run: JSON document and text output
    verify.py        keys (secret, PEM, JWK, JWKS), kid selection, signature, iss/aud checks
    jwks.py          fetching a JWKS URL with the same safety policy as every other probe
"""
