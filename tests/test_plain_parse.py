"""authdoctor.checks._plain_parse answers for ldap3 and redis-py without importing them; every
answer must be the library's own (the library is the truth, the shortcut only saves start-up)."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from authdoctor.checks._plain_parse import (
    plain_ldap_endpoint,
    plain_ldap_filter_accepted,
    plain_redis_url_accepted,
)


def ldap3_endpoint(host: str, port: int, use_tls: bool) -> tuple[str, int, bool] | None:
    from ldap3 import NONE, Server
    from ldap3.core.exceptions import LDAPException

    try:
        server = Server(host=host, port=port, get_info=NONE, use_ssl=use_tls)
    except LDAPException:
        return None
    return str(server.host), int(server.port), bool(server.ssl)


def ldap3_accepts(attr: str, search_filter: str) -> bool:
    from ldap3.core.exceptions import LDAPException
    from ldap3.operation.search import parse_filter

    try:
        parse_filter(f"(&({attr}=jdoe){search_filter})", None, True, True, None, True)
    except LDAPException:
        return False
    return True


def redis_accepts(url: str) -> bool:
    from redis.asyncio.connection import parse_url

    try:
        parse_url(url)
    except ValueError:
        return False
    return True


hostnames = st.from_regex(r"\A\s?[A-Za-z0-9_][A-Za-z0-9_.-]{0,30}\s?\Z")
hostish = st.one_of(hostnames, st.text(max_size=40),
                    st.from_regex(r"\A(ldaps?://)?\[?[0-9a-f:.]{0,20}\]?(:[0-9]{0,6})?/?\Z"))


@settings(max_examples=300, deadline=None)
@given(host=hostish, port=st.integers(-5, 70000), use_tls=st.booleans())
@example(host="ldap.example.com", port=65535, use_tls=True)
@example(host="ldap://ldap.example.com", port=636, use_tls=True)
@example(host=" ldap.example.com ", port=389, use_tls=False)
def test_endpoint_shortcut_agrees_with_ldap3(host: str, port: int, use_tls: bool) -> None:
    plain = plain_ldap_endpoint(host, port, use_tls)
    if plain is not None:
        assert plain == ldap3_endpoint(host, port, use_tls)


attrs = st.from_regex(r"\A[A-Za-z][A-Za-z0-9-]{0,12}\Z")
values = st.from_regex(r"\A[A-Za-z0-9._@-]{1,12}\Z")
simple_terms = st.builds(lambda a, v: f"({a}={v})", attrs, values)
terms = st.recursive(simple_terms, lambda inner: st.one_of(
    st.builds(lambda op, parts: f"({op}{''.join(parts)})", st.sampled_from("&|"),
              st.lists(inner, min_size=1, max_size=3)),
    st.builds(lambda part: f"(!{part})", inner)), max_leaves=6)
grammar_filters = st.lists(terms, max_size=3).map("".join)
filter_text = st.one_of(grammar_filters, st.text(alphabet="()&|!=*\\ aZ0-9,:<>~", max_size=30))


@settings(max_examples=300, deadline=None)
@given(attr=st.one_of(attrs, st.text(max_size=8)), search_filter=filter_text)
@example(attr="uid", search_filter="")
@example(attr="uid", search_filter="(objectClass=inetOrgPerson)")
@example(attr="uid", search_filter="(uid=%(user)s)")
@example(attr="uid", search_filter="(&(objectClass=person)(!(mail=x)))")
def test_filter_shortcut_agrees_with_ldap3(attr: str, search_filter: str) -> None:
    if plain_ldap_filter_accepted(attr, search_filter):
        assert ldap3_accepts(attr, search_filter), (attr, search_filter)


@pytest.mark.parametrize("search_filter", ["", "(objectClass=inetOrgPerson)",
                                           "(&(objectClass=person)(memberOf-x=staff))"])
def test_common_filters_take_the_shortcut(search_filter: str) -> None:
    assert plain_ldap_filter_accepted("uid", search_filter)


redis_urls = st.from_regex(
    r"\A(redis|rediss|unix|http)://([A-Za-z0-9._~!$&'*+,;=:%@-]{0,12}@)?[A-Za-z0-9_.\[\]:-]{0,20}"
    r"(:[0-9]{0,6})?(/[0-9a-z]{0,3})?(\?db=[0-9a-z]{0,2})?\Z")


@settings(max_examples=300, deadline=None)
@given(url=st.one_of(redis_urls, st.text(max_size=40)))
@example(url="redis://:redis-password-for-tests@redis.internal.example.com:6379/0")
@example(url="redis://cache:65536/0")
@example(url="rediss://default:p%40ss@cache:6380/1")
def test_redis_shortcut_agrees_with_redis_py(url: str) -> None:
    if plain_redis_url_accepted(url):
        assert redis_accepts(url), url


def test_common_redis_urls_take_the_shortcut() -> None:
    assert plain_redis_url_accepted("redis://:redis-password-for-tests@redis.internal.example.com:6379/0")
    assert plain_redis_url_accepted("rediss://default:secret@cache:6380")
    assert not plain_redis_url_accepted("redis://cache:65536/0")
    assert not plain_redis_url_accepted("http://cache:6379")
