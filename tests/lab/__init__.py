"""The lab: real identity servers on loopback, started by the project itself.

Used by the tests (pytest fixtures below), by hand (`scripts/lab up|down|status|env|demo`) and by
anything that wants real servers (`lab.lab.start_lab`). Install the pieces once with
`scripts/install-lab-deps` (Debian slapd, ldap-utils, redis-server, redis-tools, openssl, samba; the
pinned panva `oidc-provider` via `npm ci` in fixtures/lab/oidc). Everything the lab writes is
under `<repo>/.lab-run/`.

pytest imports this package as `lab` (tests/ has no __init__.py); modules use relative
imports, so it also works as `tests.lab`. Mark tests that use these fixtures
`@pytest.mark.realserver`.

Fixtures (session scope, free ports, started on first use and in parallel, stopped and checked
gone at the end; a missing binary skips locally and fails with AUTHDOCTOR_REQUIRE_LAB=1)
-------------------------------------------------------------------------------------------
lab_ldap, lab_ldap_unknown_ca, lab_ldap_wrong_host -> `LabLdap` (ldap.py)
    slapd with the good / unknown-CA / wrong-host certificate, same data.
    .host .port (plain + StartTLS) .ldaps_port .url .ldaps_url .ca_file (the lab CA) .tls
    .base_dn .search_base (ou=people) .groups_dn .admin_dn/.admin_password
    .app_dn/.app_password (service account) .users (`LdapUser`: uid, dn, password, cn, mail,
    groups; dave has no mail) .groups .user(uid) .env(ldaps=True) -> Open WebUI LDAP_* variables
lab_redis_standalone, lab_redis_acl, lab_redis_tls, lab_redis_persistent, lab_redis_lru,
lab_redis_sentinel, lab_redis_cluster -> `LabRedis` (redis_servers.py);
lab_redis_factory(topology) -> the same, by name (`redis_servers.TOPOLOGIES`)
    .topology .host .port .url (REDIS_URL as Open WebUI takes it) .pids .username .password
    .tls .ca_file .persistent .maxmemory_policy .users (ACL) .sentinel_port .master_name
    .replica_port .cluster_ports .env(prefix=None) -> REDIS_* variables
    .client(**overrides) -> redis.Redis with lab credentials, 2 s timeouts, no retries
lab_oidc -> `LabOidc` (healthy); lab_oidc_all -> `LabOidcSet` (oidc.py), `lab_oidc_all["slow"]`
    variants: healthy, issuer_trailing_slash, issuer_internal, no_end_session, html_discovery,
    slow (1 s in tests), not_found, microsoft, microsoft_common, tls, tls_unknown_ca, tls_expired,
    tls_wrong_host, post_only, pkce_always, plain_pkce, jwks_private, no_jwks_uri, foreign_host.
    `LabOidc`: .variant .url .issuer (what discovery claims) .discovery_url
    .mount .login_base .env_microsoft() (the microsoft* variants) .end_session .delay_s .clients
    .client (confidential: client_id/client_secret/
    redirect_uris/post_logout_redirect_uris) .public_client (PKCE) .accounts (alice, bob; any
    password) .env(public=False) -> OAUTH_*/OPENID_* variables
    helpers: oidc.code_flow(provider, client=None, login="alice") -> token response;
    oidc.drive_authorization(httpx_client, authorize_url, stop_at=redirect_uri) -> callback URL
lab_app -> `LabApp` (app_under_test.py): Open WebUI 0.12.4's auth surface, healthy settings
    (strong secret, persistent Redis, healthy IdP, LDAPS with the lab CA).
    .url .host .port .secret .env (exactly what it runs with) .pid .redis (`LabRedis`)
    .users (`AppUser`: email, password, name, role, id) .admin .key_prefix .revocation_key(jti)
lab_app_factory(overrides={...}, redis_topology="persistent"|None|..., oidc_variant="healthy"|
    None|..., with_ldap=True) -> `LabApp` with those settings (None removes a variable)
lab_samba_ad -> `LabSambaAd` (samba_ad.py): a Samba AD DC, fresh domain LAB.TEST, plain LDAP on
    127.0.0.3:389 (needs root), ~10 s to provision and start. .host .port .url .admin_dn
    .admin_password .search_base (CN=Users,DC=lab,DC=test) .users (`AdUser`: name, dn, password,
    state, subcode: alice healthy, svc-openwebui, wrongpw 52e, disabled 533, expired 701,
    mustchange 773, pwexpired 532, locked 775, svc-disabled 533) .user(name) .timings
    .env() -> LDAP_* variables (sAMAccountName, service account svc-openwebui)
lab_openwebui_factory(env) -> `RealOpenWebUI` (openwebui_real.py): the real Open WebUI 0.12.4
    (scripts/install-openwebui), offline on loopback, fresh DATA_DIR, one instance per distinct
    `env` per session. .url .port .env (the settings, WEBUI_URL included) .pid .data_dir .log_path
    .create_admin() (the first signup becomes the admin). Tests mark `e2e` + `realserver`.
lab_postgres -> `LabPostgres` (postgres.py): Debian's PostgreSQL on 127.0.0.1 (run as the `postgres`
    user when root), roles openwebui (owner of database openwebui) and authdoctor_ro (SELECT only),
    every statement logged with its application_name. .url(user, password, database) .app_url
    (postgresql+psycopg://, for the real app) .ro_url .statements(application)
lab_certs -> `LabCerts` (certs.py): ca_file, server_cert/key, unknown_ca_file,
    unknown_ca_cert/key, wrong_host_cert/key

Modules: ports.py (free ports, waits), process.py (start/stop by PID), certs.py, ldap.py, samba_ad.py,
redis_servers.py, oidc.py, app_under_test.py, openwebui_real.py, postgres.py, lab.py (whole lab, state
file), cli.py (scripts/lab), fixtures.py (the pytest plugin, loaded by tests/conftest.py).
"""
