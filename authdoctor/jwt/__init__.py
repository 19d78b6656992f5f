"""JSON Web Tokens: what is in a token, and whether it verifies (`authdoctor jwt decode|verify`).

Modules, lightest first. The `jwt decode` path imports only the first five, all standard library
plus authdoctor's own findings and catalog; `verify.py` and `jwks.py` pull in `cryptography`,
PyJWT's algorithm classes and httpx, lazily, only when a key needs them.

    tokens.py        token input (Bearer, Cookie value, stdin) and base64url/JSON decoding
    claims.py        exp/iat/nbf/lifetime facts, Open WebUI claim hints, the key-less findings
    weak_secrets.py  stdlib-HMAC check of an HS* token against known default/example secrets
    report.py        one run's report: the JSON document and the text layout
    codes.py         findings with the catalog's severity
    verify.py        keys (secret, PEM, JWK, JWKS), kid selection, signature, iss/aud checks
    jwks.py          fetching a JWKS URL with the same safety policy as every other probe
"""
