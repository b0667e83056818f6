"""The verifier's network transport (``badges.resolver``): everything on loopback.

Static HTTP and HTTPS servers run in threads (HTTPS with a test CA made here with ``cryptography``); host names
end in ``.test`` and are answered by a patched ``socket.getaddrinfo``, which is also how a rebinding name is
played. Loopback is refused by default, so each test opens exactly the range it needs with ``allow_networks``.
"""

from __future__ import annotations

import gzip
import ipaddress
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from unittest import mock

import pytest
from cryptography.hazmat.primitives import serialization
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from badges import resolver as resolver_module
from badges.resolver import PROBLEMS, USER_AGENT, Fetched, WebResolver, address_refused, parse_networks
from core import create_app
from core.config import DEFAULTS, ConfigError
from tests.badges.loopback import Site, answer, make_ca, redirect, reply, server_context
from tests.conftest import make_config

LOOPBACK = ["127.0.0.0/8"]
_real_getaddrinfo = socket.getaddrinfo


# --- loopback servers ----------------------------------------------------------------------------------------------


@pytest.fixture
def serve() -> Iterator[Callable[..., Site]]:
    sites: list[Site] = []

    def start(routes: dict[str, Callable], **options) -> Site:
        site = Site(routes, **options)
        sites.append(site)
        return site

    yield start
    for site in sites:
        site.close()


@pytest.fixture
def names(monkeypatch) -> dict:
    """Host names the patched resolver answers: ``names["a.test"] = ["127.0.0.1"]`` or a function of the call
    count returning such a list. ``names["calls"]`` counts the lookups of each name."""
    table: dict = {"calls": {}}

    def getaddrinfo(host, port, *args, **kwargs):
        if isinstance(host, str) and host in table:
            calls = table["calls"][host] = table["calls"].get(host, 0) + 1
            entry = table[host]
            addresses = entry(calls) if callable(entry) else entry
            infos = []
            for address in addresses:
                family = socket.AF_INET6 if ":" in address else socket.AF_INET
                sockaddr = (address, port, 0, 0) if family == socket.AF_INET6 else (address, port)
                infos.append((family, socket.SOCK_STREAM, 6, "", sockaddr))
            return infos
        if isinstance(host, str) and host.endswith(".test"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return _real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return table


# --- a test CA -----------------------------------------------------------------------------------------------------


@pytest.fixture
def test_ca(tmp_path) -> tuple[tuple, Path]:
    ca = make_ca()
    path = tmp_path / "test-ca.pem"
    path.write_bytes(ca[1].public_bytes(serialization.Encoding.PEM))
    return ca, path


# --- plain HTTP ------------------------------------------------------------------------------------------------------


def test_fetches_a_document_with_its_status_media_type_and_headers(serve, names):
    site = serve({"/assertion": answer(b'{"type": "Assertion"}', content_type="Application/LD+JSON; charset=utf-8")})
    names["issuer.test"] = ["127.0.0.1"]
    resolver = WebResolver(allow_networks=LOOPBACK)
    url = f"http://issuer.test:{site.port}/assertion"
    fetched = resolver.fetch(url, accept="application/ld+json")
    assert fetched == Fetched(url=url, status=200, body=b'{"type": "Assertion"}', content_type="application/ld+json")
    [(path, headers)] = site.requests
    assert path == "/assertion"
    assert headers["accept"] == "application/ld+json"
    assert headers["user-agent"] == USER_AGENT and "Tremplin" in headers["user-agent"]
    assert headers["host"] == f"issuer.test:{site.port}"


def test_the_default_accept_header_asks_for_json_ld(serve):
    site = serve({"/": answer(b"{}")})
    WebResolver(allow_networks=LOOPBACK).fetch(f"http://127.0.0.1:{site.port}/")
    assert site.requests[0][1]["accept"] == "application/ld+json, application/json;q=0.9, */*;q=0.1"


def test_a_410_comes_back_as_is_with_its_body(serve):
    body = b'{"revoked": true, "revocationReason": "Issued by mistake"}'
    site = serve({"/gone": answer(body, status=410)})
    fetched = WebResolver(allow_networks=LOOPBACK).fetch(f"http://127.0.0.1:{site.port}/gone")
    assert (fetched.status, fetched.body, fetched.content_type, fetched.problem) == (
        410,
        body,
        "application/json",
        None,
    )


def test_query_strings_reach_the_server_and_fragments_do_not(serve):
    site = serve({"/key": answer(b"{}")})
    WebResolver(allow_networks=LOOPBACK).fetch(f"http://127.0.0.1:{site.port}/key?v=2#main")
    assert site.requests[0][0] == "/key?v=2"


def test_gzip_answers_are_decoded(serve):
    body = b'{"id": "urn:x"}'
    site = serve({"/": answer(gzip.compress(body), headers=[("Content-Encoding", "gzip")])})
    fetched = WebResolver(allow_networks=LOOPBACK).fetch(f"http://127.0.0.1:{site.port}/")
    assert fetched.body == body


def test_a_closed_port_is_unreachable():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    fetched = WebResolver(allow_networks=LOOPBACK).fetch(f"http://127.0.0.1:{port}/")
    assert (fetched.status, fetched.body, fetched.problem) == (0, b"", "unreachable")


def test_an_unknown_name_is_unreachable(names):
    assert WebResolver(allow_networks=LOOPBACK).fetch("http://nowhere.test/").problem == "unreachable"


# --- the SSRF guard ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "[::1]",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "[::ffff:127.0.0.1]",
        "[::ffff:10.0.0.1]",
        "[::ffff:7f00:1]",
        "0.0.0.0",  # noqa: S104 - a URL the guard must refuse, not a bind
        "0",
        "2130706433",  # 127.0.0.1 as one decimal number
        "0177.0.0.1",  # octal
        "0x7f.0.0.1",  # hexadecimal
        "127.1",
        "localhost",
        "224.0.0.1",
        "239.255.255.250",
        "240.0.0.1",
        "255.255.255.255",
        "198.18.0.1",
        "[fc00::1]",
        "[fd12:3456::1]",
        "[fe80::1]",
        "[fe80::1%25eth0]",
        "[ff02::1]",
        "[::]",
        "[64:ff9b::7f00:1]",  # NAT64 of 127.0.0.1
        "[2002:7f00:1::]",  # 6to4 of 127.0.0.1
        "[::127.0.0.1]",  # IPv4-compatible
    ],
)
def test_off_limits_addresses_are_refused_without_connecting(serve, host):
    site = serve({"/": answer(b"secret")})
    started = time.monotonic()
    fetched = WebResolver().fetch(f"http://{host}:{site.port}/")
    assert (fetched.status, fetched.body, fetched.problem) == (0, b"", "refused-address")
    assert site.count() == 0
    assert time.monotonic() - started < 2


def test_a_name_resolving_to_an_off_limits_address_is_refused(serve, names):
    site = serve({"/": answer(b"secret")})
    names["intranet.test"] = ["127.0.0.1"]
    assert WebResolver().fetch(f"http://intranet.test:{site.port}/").problem == "refused-address"
    names["metadata.test"] = ["169.254.169.254", "10.1.2.3"]
    assert WebResolver().fetch("http://metadata.test/").problem == "refused-address"
    assert site.count() == 0


def test_allow_networks_opens_exactly_the_ranges_named(serve):
    site = serve({"/": answer(b"{}")})
    assert WebResolver(allow_networks=["127.0.0.1/32"]).fetch(f"http://127.0.0.1:{site.port}/").status == 200
    assert WebResolver(allow_networks="10.0.0.0/8, 127.0.0.0/8").fetch(f"http://127.0.0.1:{site.port}/").status == 200
    refused = WebResolver(allow_networks=["127.0.0.2/32"]).fetch(f"http://127.0.0.1:{site.port}/")
    assert refused.problem == "refused-address"
    assert site.count() == 2


def test_a_rebinding_name_cannot_slip_through_between_check_and_connect(serve, names):
    """The name resolves to an allowed address when checked and to a refused one afterwards: the connection goes
    to the checked address (the server on 127.0.0.2 answers "two"; the one on 127.0.0.1, same port, "one")."""
    for _ in range(20):
        allowed = serve({"/": answer(b"two")}, host="127.0.0.2")
        try:
            forbidden = serve({"/": answer(b"one")}, host="127.0.0.1", port=allowed.port)
            break
        except OSError:  # that port is taken on 127.0.0.1: try another
            continue
    else:
        pytest.skip("no port free on both 127.0.0.1 and 127.0.0.2")
    names["rebind.test"] = lambda calls: ["127.0.0.2"] if calls == 1 else ["127.0.0.1"]
    fetched = WebResolver(allow_networks=["127.0.0.2/32"]).fetch(f"http://rebind.test:{allowed.port}/")
    assert (fetched.status, fetched.body) == (200, b"two")
    assert allowed.count() == 1 and forbidden.count() == 0
    assert names["calls"]["rebind.test"] == 1  # looked up once, never again by the connection


def test_of_several_addresses_only_the_allowed_ones_are_used(serve, names):
    site = serve({"/": answer(b"{}")})
    names["mixed.test"] = ["10.0.0.1", "127.0.0.1"]
    fetched = WebResolver(allow_networks=["127.0.0.1/32"]).fetch(f"http://mixed.test:{site.port}/")
    assert fetched.status == 200 and site.count() == 1


def test_the_guard_lets_public_addresses_through():
    for text in ["8.8.8.8", "93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "2a00:1450:4007:80e::200e"]:
        assert not address_refused(ipaddress.ip_address(text)), text
    assert address_refused(ipaddress.ip_address("8.8.8.8"), ()) is False
    assert address_refused(ipaddress.ip_address("10.1.1.1"), parse_networks("10.0.0.0/8")) is False
    assert address_refused(ipaddress.ip_address("::ffff:10.1.1.1"), parse_networks("10.0.0.0/8")) is False
    assert address_refused(ipaddress.ip_address("10.1.1.1"), parse_networks("fd00::/8")) is True


# --- redirects -----------------------------------------------------------------------------------------------------


def test_redirects_are_followed_up_to_the_limit(serve):
    site = serve(
        {
            "/a": redirect("/b", 301),
            "/b": redirect("/c", 307),
            "/c": lambda h: redirect(f"http://127.0.0.1:{h.server.server_address[1]}/d", 308)(h),
            "/d": answer(b'{"ok": 1}'),
            "/e": redirect("/a", 303),
        }
    )
    base = f"http://127.0.0.1:{site.port}"
    fetched = WebResolver(allow_networks=LOOPBACK, max_redirects=3).fetch(f"{base}/a")
    assert (fetched.url, fetched.status, fetched.body) == (f"{base}/d", 200, b'{"ok": 1}')
    too_many = WebResolver(allow_networks=LOOPBACK, max_redirects=3).fetch(f"{base}/e")
    assert (too_many.problem, too_many.body) == ("too-many-redirects", b"")
    assert site.count("/d") == 1  # the fourth hop was not taken


def test_a_redirect_loop_stops(serve):
    site = serve({"/loop": redirect("/loop")})
    fetched = WebResolver(allow_networks=LOOPBACK).fetch(f"http://127.0.0.1:{site.port}/loop")
    assert fetched.problem == "too-many-redirects"
    assert site.count("/loop") == 4  # the first request and three redirects


def test_a_redirect_to_an_off_limits_address_is_refused(serve, names):
    inside = serve({"/": answer(b"secret")}, host="127.0.0.2")
    names["inside.test"] = ["127.0.0.2"]
    outside = serve(
        {
            "/to-ip": redirect(f"http://127.0.0.2:{inside.port}/"),
            "/to-name": redirect(f"http://inside.test:{inside.port}/"),
            "/to-metadata": redirect("http://169.254.169.254/latest/meta-data/"),
            "/to-decimal": redirect(f"http://2130706434:{inside.port}/"),
            "/to-file": redirect("file:///etc/passwd"),
            "/to-credentials": redirect(f"http://user:pw@127.0.0.2:{inside.port}/"),
        }
    )
    resolver = WebResolver(allow_networks=["127.0.0.1/32"])
    base = f"http://127.0.0.1:{outside.port}"
    for path in ("/to-ip", "/to-name", "/to-metadata", "/to-decimal"):
        fetched = resolver.fetch(base + path)
        assert (fetched.problem, fetched.body) == ("refused-address", b""), path
    assert resolver.fetch(base + "/to-file").problem == "unsupported-scheme"
    assert resolver.fetch(base + "/to-credentials").problem == "bad-url"
    assert inside.count() == 0


# --- limits --------------------------------------------------------------------------------------------------------


def _sleep_then_answer(seconds: float) -> Callable:
    def route(handler) -> None:
        time.sleep(seconds)
        reply(handler, 200, b"{}")

    return route


def _drip(handler) -> None:
    """Answers one byte every 50 ms for ever: each byte restarts a socket timeout."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.end_headers()
    for _ in range(200):
        handler.wfile.write(b" ")
        handler.wfile.flush()
        time.sleep(0.05)


def _drip_headers(handler) -> None:
    handler.wfile.write(b"HTTP/1.1 200 OK\r\n")
    for _ in range(200):
        handler.wfile.write(b"X")
        handler.wfile.flush()
        time.sleep(0.05)


@pytest.mark.parametrize("route", [_sleep_then_answer(10), _drip, _drip_headers], ids=["silent", "body", "headers"])
def test_a_slow_server_times_out_within_the_bound(serve, route):
    site = serve({"/slow": route})
    started = time.monotonic()
    fetched = WebResolver(allow_networks=LOOPBACK, timeout=0.5).fetch(f"http://127.0.0.1:{site.port}/slow")
    elapsed = time.monotonic() - started
    assert (fetched.problem, fetched.body) == ("timeout", b"")
    assert 0.4 < elapsed < 2.0


def test_a_slow_name_lookup_times_out_within_the_bound(names):
    names["slow-dns.test"] = lambda calls: time.sleep(3) or ["127.0.0.1"]
    started = time.monotonic()
    fetched = WebResolver(allow_networks=LOOPBACK, timeout=0.5).fetch("http://slow-dns.test/")
    assert fetched.problem == "timeout"
    assert time.monotonic() - started < 2.0


def test_the_timeout_covers_the_whole_chain_of_redirects(serve):
    def slow_redirect(handler) -> None:
        time.sleep(0.2)
        redirect("/hop")(handler)

    site = serve({"/hop": slow_redirect})
    started = time.monotonic()
    fetched = WebResolver(allow_networks=LOOPBACK, timeout=0.5, max_redirects=10).fetch(
        f"http://127.0.0.1:{site.port}/hop"
    )
    assert fetched.problem == "timeout"
    assert time.monotonic() - started < 2.0


def _close_delimited(body: bytes) -> Callable:
    def route(handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.end_headers()
        handler.wfile.write(body)

    return route


def _chunked(body: bytes) -> Callable:
    def route(handler) -> None:
        handler.protocol_version = "HTTP/1.1"
        handler.send_response(200)
        handler.send_header("Transfer-Encoding", "chunked")
        handler.send_header("Connection", "close")
        handler.end_headers()
        for start in range(0, len(body), 65536):
            chunk = body[start : start + 65536]
            handler.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        handler.wfile.write(b"0\r\n\r\n")

    return route


def test_a_body_over_the_cap_is_too_large(serve):
    big = b"x" * (3 * 1024 * 1024)
    site = serve(
        {
            "/declared": answer(big),
            "/undeclared": _close_delimited(big),
            "/chunked": _chunked(big),
            "/bomb": answer(gzip.compress(b"0" * (10 * 1024 * 1024)), headers=[("Content-Encoding", "gzip")]),
            "/exact": answer(b"y" * (2 * 1024 * 1024)),
        }
    )
    resolver = WebResolver(allow_networks=LOOPBACK)
    for path in ("/declared", "/undeclared", "/chunked", "/bomb"):
        fetched = resolver.fetch(f"http://127.0.0.1:{site.port}{path}")
        assert (fetched.status, fetched.problem, fetched.body) == (200, "too-large", b""), path
    exact = resolver.fetch(f"http://127.0.0.1:{site.port}/exact")
    assert exact.problem is None and len(exact.body) == 2 * 1024 * 1024
    small = WebResolver(allow_networks=LOOPBACK, max_bytes=10).fetch(f"http://127.0.0.1:{site.port}/exact")
    assert small.problem == "too-large"


# --- bad URLs ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://user@example.org/", "bad-url"),
        ("https://user:password@example.org/", "bad-url"),
        ("http://@example.org/", "bad-url"),
        ("https://example.org/" + "a" * 3000, "bad-url"),
        ("http://", "bad-url"),
        ("http:///path", "bad-url"),
        ("example.org/assertion", "bad-url"),
        ("", "bad-url"),
        ("http://exa mple.org/", "bad-url"),
        ("http://example.org/\r\nX-Injected: 1", "bad-url"),
        ("http://example.org:99999/", "bad-url"),
        ("http://example.org:0/", "bad-url"),
        ("http://[not-an-address]/", "bad-url"),
        ("http://ex$ample.org/", "bad-url"),
        ("ftp://example.org/badge.json", "unsupported-scheme"),
        ("file:///etc/passwd", "unsupported-scheme"),
        ("gopher://example.org/", "unsupported-scheme"),
        ("javascript:alert(1)", "unsupported-scheme"),
        ("did:web:example.org", "unsupported-scheme"),
        ("data:application/json,{}", "unsupported-scheme"),
    ],
)
def test_bad_urls_are_refused_before_any_lookup(url, problem):
    with mock.patch.object(socket, "getaddrinfo", side_effect=AssertionError("no lookup for a bad URL")):
        fetched = WebResolver().fetch(url)
    assert (fetched.status, fetched.body, fetched.problem) == (0, b"", problem)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=80), st.builds(lambda s: "http://" + s, st.text(max_size=60))))
def test_fetch_never_raises(url):
    fake = mock.Mock(return_value=[(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.1", 80))])
    with mock.patch.object(socket, "getaddrinfo", fake):
        fetched = WebResolver(cache_size=0, timeout=0.3).fetch(url)
    assert isinstance(fetched, Fetched)
    assert fetched.problem in PROBLEMS and fetched.body == b"" and fetched.status == 0


# --- HTTPS ---------------------------------------------------------------------------------------------------------


def test_https_is_verified_against_ssl_cert_file_anchors_and_the_host_name(
    serve, names, tmp_path, test_ca, monkeypatch
):
    ca, ca_file = test_ca
    site = serve(
        {"/did.json": answer(b'{"id": "did:web:issuer.test"}')},
        tls=server_context(tmp_path, ca, ["issuer.test"], "leaf"),
    )
    names["issuer.test"] = ["127.0.0.1"]
    names["other.test"] = ["127.0.0.1"]
    url = f"https://issuer.test:{site.port}/did.json"

    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    resolver = WebResolver(allow_networks=LOOPBACK)
    fetched = resolver.fetch(url)
    assert (fetched.status, fetched.body, fetched.problem) == (200, b'{"id": "did:web:issuer.test"}', None)
    assert site.server_names[-1] == "issuer.test"  # SNI names the host, though the connection went to 127.0.0.1
    assert site.requests[-1][1]["host"] == f"issuer.test:{site.port}"

    wrong_name = resolver.fetch(f"https://other.test:{site.port}/did.json")  # a certificate for another name
    assert (wrong_name.problem, wrong_name.body) == ("tls", b"")
    assert WebResolver(allow_networks=LOOPBACK).fetch(f"https://127.0.0.1:{site.port}/did.json").problem == "tls"

    monkeypatch.delenv("SSL_CERT_FILE")  # the system trust store alone does not know the test CA
    untrusted = WebResolver(allow_networks=LOOPBACK).fetch(url)
    assert (untrusted.status, untrusted.body, untrusted.problem) == (0, b"", "tls")
    assert len(site.requests) == 1  # no request was sent over a connection that failed its check


def test_a_certificate_from_an_unknown_ca_is_a_tls_problem(serve, names, tmp_path, test_ca, monkeypatch):
    _, ca_file = test_ca
    stranger = make_ca("Someone else's CA")
    site = serve({"/": answer(b"{}")}, tls=server_context(tmp_path, stranger, ["issuer.test"], "stranger"))
    names["issuer.test"] = ["127.0.0.1"]
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    fetched = WebResolver(allow_networks=LOOPBACK).fetch(f"https://issuer.test:{site.port}/")
    assert fetched.problem == "tls" and site.count() == 0


def test_ssl_cert_file_adds_anchors_to_the_system_store(test_ca, monkeypatch):
    _, ca_file = test_ca
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    system = resolver_module.trust_store().get_ca_certs()
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    combined = resolver_module.trust_store().get_ca_certs()
    subjects = [dict(part[0] for part in entry["subject"]).get("commonName") for entry in combined]
    assert "Tremplin test CA" in subjects
    if system:  # a machine with a system bundle keeps every one of its anchors
        assert len(combined) == len(system) + 1


def test_plain_http_to_an_https_server_fails_cleanly(serve, names, tmp_path, test_ca):
    ca, _ = test_ca
    site = serve({"/": answer(b"{}")}, tls=server_context(tmp_path, ca, ["issuer.test"], "leaf"))
    fetched = WebResolver(allow_networks=LOOPBACK, timeout=2).fetch(f"http://127.0.0.1:{site.port}/")
    assert fetched.problem in {"unreachable", "timeout"} and fetched.body == b""


# --- the cache -----------------------------------------------------------------------------------------------------


def test_answers_are_cached_by_url_and_accept(serve):
    site = serve({"/doc": answer(b"{}"), "/gone": answer(b"{}", status=410), "/missing": answer(b"", status=404)})
    resolver = WebResolver(allow_networks=LOOPBACK)
    url = f"http://127.0.0.1:{site.port}/doc"
    first = resolver.fetch(url)
    assert resolver.fetch(url) == first
    assert site.count("/doc") == 1
    resolver.fetch(url, accept="application/jwt")
    assert site.count("/doc") == 2
    for path in ("/gone", "/missing"):
        resolver.fetch(f"http://127.0.0.1:{site.port}{path}")
        resolver.fetch(f"http://127.0.0.1:{site.port}{path}")
        assert site.count(path) == 1, path


def test_errors_and_problems_are_not_cached(serve):
    site = serve({"/error": answer(b"oops", status=500), "/big": answer(b"x" * 100)})
    resolver = WebResolver(allow_networks=LOOPBACK, max_bytes=50)
    for path in ("/error", "/big"):
        first = resolver.fetch(f"http://127.0.0.1:{site.port}{path}")
        resolver.fetch(f"http://127.0.0.1:{site.port}{path}")
        assert site.count(path) == 2, (path, first)


def test_the_cache_forgets_after_its_ttl_and_keeps_the_most_recent(serve):
    site = serve({f"/{n}": answer(b"{}") for n in range(4)})
    base = f"http://127.0.0.1:{site.port}"
    short = WebResolver(allow_networks=LOOPBACK, cache_ttl=0.3)
    short.fetch(f"{base}/3")
    time.sleep(0.4)
    short.fetch(f"{base}/3")
    assert site.count("/3") == 2
    resolver = WebResolver(allow_networks=LOOPBACK, cache_size=2)
    resolver.fetch(f"{base}/0")
    resolver.fetch(f"{base}/1")
    resolver.fetch(f"{base}/0")  # /0 is now the most recent
    resolver.fetch(f"{base}/2")  # evicts /1
    resolver.fetch(f"{base}/0")
    resolver.fetch(f"{base}/1")
    assert (site.count("/0"), site.count("/1"), site.count("/2")) == (1, 2, 1)


def test_cache_size_zero_disables_the_cache(serve):
    site = serve({"/": answer(b"{}")})
    resolver = WebResolver(allow_networks=LOOPBACK, cache_size=0)
    resolver.fetch(f"http://127.0.0.1:{site.port}/")
    resolver.fetch(f"http://127.0.0.1:{site.port}/")
    assert site.count() == 2


def test_threads_share_one_resolver_safely(serve):
    site = serve({f"/{n}": answer(f'{{"n": {n}}}'.encode()) for n in range(8)})
    small = WebResolver(allow_networks=LOOPBACK, cache_size=3)  # evicting all the time
    roomy = WebResolver(allow_networks=LOOPBACK, cache_size=8)  # every path fits
    failures: list[str] = []

    def work(resolver: WebResolver, offset: int) -> None:
        for i in range(12):
            n = (offset + i) % 8
            fetched = resolver.fetch(f"http://127.0.0.1:{site.port}/{n}")
            if fetched.body != f'{{"n": {n}}}'.encode() or fetched.status != 200:
                failures.append(f"{n}: {fetched}")

    for resolver in (small, roomy):
        before = site.count()
        threads = [threading.Thread(target=work, args=(resolver, offset)) for offset in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert not any(thread.is_alive() for thread in threads)
        assert not failures
        assert len(resolver._cache) <= resolver._cache.size
    assert site.count() - before <= 12 * 8  # at worst each thread missed each path once: the rest was cached


# --- logs ----------------------------------------------------------------------------------------------------------


def test_logs_name_the_url_and_outcome_never_the_body(serve, caplog):
    site = serve({"/secret": answer(b'{"email": "private@example.org"}')})
    caplog.set_level(logging.DEBUG, logger="badges.resolver")
    url = f"http://127.0.0.1:{site.port}/secret"
    WebResolver(allow_networks=LOOPBACK).fetch(url)
    WebResolver().fetch(url)
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert f"{url}: 200" in text and f"{url}: refused-address" in text
    assert "private@example.org" not in text


# --- configuration -------------------------------------------------------------------------------------------------


def test_parse_networks_reads_comma_separated_cidrs():
    assert parse_networks("") == ()
    assert parse_networks(" 10.0.0.0/8 , fd00::/8,,192.168.1.7") == (
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("fd00::/8"),
        ipaddress.ip_network("192.168.1.7/32"),
    )
    assert parse_networks(["127.0.0.0/8"]) == (ipaddress.ip_network("127.0.0.0/8"),)
    for bad in ("10.0.0.0/33", "intranet", "10.0.0.1/8", "10.0.0.0/8;192.168.0.0/16"):
        with pytest.raises(ValueError, match="CIDR"):
            parse_networks(bad)
    with pytest.raises(ValueError, match="CIDR"):
        parse_networks(10)  # type: ignore[arg-type]


def test_from_config_reads_verify_allow_networks(serve):
    assert DEFAULTS["VERIFY_ALLOW_NETWORKS"] == ""
    assert WebResolver.from_config({"VERIFY_ALLOW_NETWORKS": ""}).allow_networks == ()
    assert WebResolver.from_config({}).allow_networks == ()
    resolver = WebResolver.from_config({"VERIFY_ALLOW_NETWORKS": "127.0.0.0/8,::1/128"}, timeout=1)
    assert resolver.allow_networks == (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))
    site = serve({"/": answer(b"{}")})
    assert resolver.fetch(f"http://127.0.0.1:{site.port}/").status == 200


def test_the_environment_sets_the_allowed_networks(monkeypatch, database_url):
    monkeypatch.setenv("TREMPLIN_VERIFY_ALLOW_NETWORKS", "10.0.0.0/8, 192.168.0.0/16")
    app = create_app(make_config(database_url))
    assert WebResolver.from_config(app.config).allow_networks == parse_networks("10.0.0.0/8,192.168.0.0/16")
    monkeypatch.delenv("TREMPLIN_VERIFY_ALLOW_NETWORKS")
    assert WebResolver.from_config(create_app(make_config(database_url)).config).allow_networks == ()


def test_a_bad_cidr_stops_the_app_at_start(monkeypatch, database_url):
    with pytest.raises(ConfigError, match=r"TREMPLIN_VERIFY_ALLOW_NETWORKS.*'10\.0\.0\.300/8'"):
        create_app(make_config(database_url, VERIFY_ALLOW_NETWORKS="10.0.0.0/8, 10.0.0.300/8"))
    monkeypatch.setenv("TREMPLIN_VERIFY_ALLOW_NETWORKS", "intranet")
    with pytest.raises(ConfigError, match="TREMPLIN_VERIFY_ALLOW_NETWORKS"):
        create_app(make_config(database_url))
