"""Fetching what a verifier needs from the open web, safe by default.

The verifier stays pure: everything it fetches (OB 2.0 hosted assertions, badge classes, issuer profiles, keys and
revocation lists, ``did:web`` documents, status lists, JWK ``kid`` URLs, credentials given as a URL) goes through a
:class:`Resolver` the caller passes in. A resolver only fetches bytes; all interpretation is the verifier's.

:class:`WebResolver` is the network implementation. It uses **urllib3** (2.x), not httpx: urllib3 is the most
widely deployed Python HTTP client (under requests and pip), already installed here, and its low-level
``HTTPConnection``/``HTTPSConnection`` let us connect to an IP address we checked ourselves while sending SNI and
checking the certificate against the host name (``server_hostname``) — which the SSRF guard needs; it also never
reads proxy settings from the environment unless asked, and it bounds decompression. httpx would need a custom
network backend for the same thing and is not installed.

What it guards against (a badge is data from a stranger, and every URL in it is chosen by that stranger):

- **SSRF**: the host name is resolved here (``socket.getaddrinfo``), every address is checked, and the connection
  goes to the checked address, never to the name again, so a name that "rebinds" between check and connect cannot
  reach a refused address. Refused: loopback, private (RFC 1918, ULA ``fc00::/7``), link-local, multicast,
  reserved, unspecified, carrier-grade NAT ``100.64.0.0/10``, ``0.0.0.0/8``, benchmarking and documentation
  ranges, and IPv6 forms that embed one of those (IPv4-mapped, IPv4-compatible, NAT64, 6to4). Decimal, octal or
  hexadecimal spellings of an address (``http://2130706433/``) resolve to the same address and are refused the
  same way. Every redirect hop is checked again. ``allow_networks`` (``TREMPLIN_VERIFY_ALLOW_NETWORKS``) opens
  chosen ranges for tests and intranets.
- **TLS**: HTTPS is verified with the operating system's trust store (``ssl.create_default_context()``; certifi is
  not used); the standard ``SSL_CERT_FILE`` adds anchors to it. Plain ``http://`` is allowed (OB 2.0 hosts are
  sometimes plain http), behind the same guard.
- **Resources**: one deadline for the whole fetch (name lookup, connection, redirects and the whole body), a size
  cap read as a stream, a redirect limit. URLs with credentials, other schemes, or over-long URLs are refused.

:meth:`WebResolver.fetch` never raises: what went wrong is in :attr:`Fetched.problem`. Answers that do not change
from one minute to the next (2xx, 404, 410) are kept in a small in-process cache, shared by threads; problems are
never cached. Bodies are never logged; the URL and the outcome are (debug level).
"""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import logging
import os
import socket
import ssl
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote, urljoin, urlsplit

from urllib3 import exceptions as urllib3_errors
from urllib3.connection import HTTPConnection, HTTPSConnection

from core.config import ConfigError

log = logging.getLogger(__name__)

DEFAULT_ACCEPT = "application/ld+json, application/json;q=0.9, */*;q=0.1"
USER_AGENT = "Tremplin-Verifier/1.0 (Open Badges verifier; +https://github.com/tremplin)"
MAX_URL_LENGTH = 2048
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
CACHEABLE_CODES = frozenset({404, 410})
PROBLEMS = frozenset(
    {"unreachable", "timeout", "refused-address", "too-large", "too-many-redirects", "bad-url", "unsupported-scheme",
     "tls"}
)  # fmt: skip

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# Ranges refused even where Python's ``is_global`` would let them through (it differs between Python versions);
# the ``ipaddress`` properties are checked too.
REFUSED_NETWORKS: tuple[Network, ...] = tuple(
    ipaddress.ip_network(cidr)
    for cidr in (
        "0.0.0.0/8",  # "this network"
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, cloud metadata services (169.254.169.254)
        "172.16.0.0/12",
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation
        "192.88.99.0/24",  # 6to4 relays
        "192.168.0.0/16",
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and the broadcast address
        "::/128",
        "::1/128",
        "64:ff9b:1::/48",  # local-use NAT64
        "100::/64",  # discard
        "2001::/23",  # IETF protocol assignments (Teredo among them)
        "2001:db8::/32",  # documentation
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated)
        "ff00::/8",  # multicast
    )
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


@dataclass(frozen=True)
class Fetched:
    url: str  # the final URL, after redirects
    status: int  # HTTP status code; 0 when no HTTP answer was received
    body: bytes  # at most the size cap (empty when problem is set)
    content_type: str  # media type, lower case, without parameters ("" when unknown)
    problem: str | None = None  # None, or: "unreachable", "timeout", "refused-address", "too-large",
    # "too-many-redirects", "bad-url", "unsupported-scheme", "tls"


class Resolver(Protocol):
    def fetch(self, url: str, *, accept: str = DEFAULT_ACCEPT) -> Fetched:
        """Never raises. Non-2xx answers come back with their status and body (a 410 body matters for OB 2.0)."""
        ...


def parse_networks(value: str | Iterable[str] | None) -> tuple[Network, ...]:
    """``"10.0.0.0/8, 192.168.1.0/24"`` (or a list of such strings) → networks. Raises ``ValueError`` saying
    which entry is wrong; an address without a prefix length means that address alone."""
    if value is None:
        return ()
    if isinstance(value, str):
        entries = value.split(",")
    elif isinstance(value, Iterable) and not isinstance(value, bytes | Mapping):
        entries = list(value)
    else:
        raise ValueError(f"expected comma-separated CIDR ranges such as '10.0.0.0/8', not {value!r}")
    networks = []
    for entry in entries:
        if not isinstance(entry, str):
            raise ValueError(f"expected a CIDR range such as '10.0.0.0/8', not {entry!r}")
        text = entry.strip()
        if not text:
            continue
        try:
            networks.append(ipaddress.ip_network(text))
        except ValueError as error:
            raise ValueError(f"{text!r} is not a CIDR range such as '10.0.0.0/8' or 'fd00::/8' ({error})") from None
    return tuple(networks)


def check_config(config: Mapping[str, Any]) -> None:
    """At app start: a wrong ``VERIFY_ALLOW_NETWORKS`` stops the app with a message saying what to change."""
    try:
        parse_networks(config.get("VERIFY_ALLOW_NETWORKS") or "")
    except ValueError as error:
        raise ConfigError(
            f"TREMPLIN_VERIFY_ALLOW_NETWORKS must be comma-separated CIDR ranges (for example "
            f"'10.0.0.0/8, fd00::/8') or empty: {error}."
        ) from None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, NAT64, 6to4, IPv4-compatible), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64 or (address in _IPV4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_refused(address: Address, allow_networks: Iterable[Network] = ()) -> bool:
    """True when the verifier must not connect to ``address`` (see the module's docstring)."""
    if isinstance(address, ipaddress.IPv6Address) and address.scope_id:
        address = ipaddress.IPv6Address(address.compressed.split("%", 1)[0])
    candidates: list[Address] = [address]
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            candidates.append(embedded)
    allow = tuple(allow_networks)
    if any(
        candidate in network for candidate in candidates for network in allow if candidate.version == network.version
    ):
        return False
    for candidate in candidates:
        if (
            not candidate.is_global
            or candidate.is_private
            or candidate.is_loopback
            or candidate.is_link_local
            or candidate.is_multicast
            or candidate.is_reserved
            or candidate.is_unspecified
            or (isinstance(candidate, ipaddress.IPv6Address) and candidate.is_site_local)
            or any(candidate in network for network in REFUSED_NETWORKS if network.version == candidate.version)
        ):
            return True
    return False


def trust_store() -> ssl.SSLContext:
    """The operating system's trust store, plus the anchors of ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` when set.

    OpenSSL reads those variables *instead of* its default file; loading the default file as well makes them
    add anchors rather than replace them. Built once per value of those variables (loading a bundle takes a
    good part of a second), shared by every resolver: a context is safe to share between threads."""
    paths = ssl.get_default_verify_paths()
    return _trust_store(
        os.environ.get(paths.openssl_cafile_env or "") or "", os.environ.get(paths.openssl_capath_env or "") or ""
    )


@functools.lru_cache(maxsize=4)
def _trust_store(cert_file: str, cert_dir: str) -> ssl.SSLContext:
    context = ssl.create_default_context()  # the system's default file and folder, or the variables' instead
    paths = ssl.get_default_verify_paths()
    default_file = paths.openssl_cafile
    if (
        cert_file
        and default_file
        and os.path.isfile(default_file)
        and os.path.realpath(default_file) != os.path.realpath(cert_file)
    ):
        context.load_verify_locations(cafile=default_file)
    if cert_dir and paths.openssl_capath and os.path.isdir(paths.openssl_capath):
        context.load_verify_locations(capath=paths.openssl_capath)
    return context


class _Refused(Exception):
    def __init__(self, problem: str, status: int = 0) -> None:
        super().__init__(problem)
        self.problem = problem
        self.status = status


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str  # lower case, IDNA-encoded; IPv6 without brackets
    port: int
    host_header: str
    request_target: str  # path and query


def _parse(url: str) -> _Target:
    if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH:
        raise _Refused("bad-url")
    if any(ord(char) <= 0x20 or ord(char) == 0x7F for char in url):
        raise _Refused("bad-url")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise _Refused("bad-url") from None
    scheme = parts.scheme.lower()
    if not scheme or (not parts.netloc and scheme in ("http", "https")):
        raise _Refused("bad-url")
    if scheme not in ("http", "https"):
        raise _Refused("unsupported-scheme")
    if "@" in parts.netloc or parts.username is not None or parts.password is not None:
        raise _Refused("bad-url")
    host = parts.hostname or ""
    if not host or port == 0:
        raise _Refused("bad-url")
    bracketed = parts.netloc.rpartition("@")[2].startswith("[")
    if bracketed:
        try:
            literal = ipaddress.ip_address(host)
        except ValueError:
            raise _Refused("bad-url") from None
        if literal.version != 6:
            raise _Refused("bad-url")
        host_in_header = f"[{literal.compressed}]"
        host = literal.compressed
    else:
        try:
            host = host.encode("idna").decode("ascii") if not host.isascii() else host
        except UnicodeError:
            raise _Refused("bad-url") from None
        if not all(char.isalnum() or char in "-._" for char in host) or host.startswith(".") or ".." in host:
            raise _Refused("bad-url")
        host_in_header = host
    default_port = 443 if scheme == "https" else 80
    port = port or default_port
    host_header = host_in_header if port == default_port else f"{host_in_header}:{port}"
    target = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    if parts.query:
        target += "?" + quote(parts.query, safe="/%:@!$&'()*+,;=-._~?")
    return _Target(scheme, host, port, host_header, target)


def _media_type(value: str | None) -> str:
    return (value or "").split(";", 1)[0].strip().lower()


class _Cache:
    """A small LRU of fetched answers with a time to live, safe to share between threads."""

    def __init__(self, size: int, ttl: float, max_bytes: int) -> None:
        self.size = max(0, int(size))
        self.ttl = float(ttl)
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple[str, str], tuple[float, Fetched]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> Fetched | None:
        if not self.size or self.ttl <= 0:
            return None
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            expires, fetched = entry
            if expires <= now:
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return fetched

    def put(self, key: tuple[str, str], fetched: Fetched) -> None:
        if not self.size or self.ttl <= 0 or len(fetched.body) > self.max_bytes:
            return
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = (time.monotonic() + self.ttl, fetched)
            self._bytes += len(fetched.body)
            while len(self._entries) > self.size or self._bytes > self.max_bytes:
                self._drop(next(iter(self._entries)))

    def _drop(self, key: tuple[str, str]) -> None:
        _, fetched = self._entries.pop(key)
        self._bytes -= len(fetched.body)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


class WebResolver:
    """Fetches URLs from the open web for the verifier, behind the SSRF guard (see the module's docstring)."""

    #: The cache never holds more than this many bytes of bodies in all (on top of ``cache_size`` entries).
    cache_max_bytes = 16 * 1024 * 1024

    def __init__(
        self,
        allow_networks: str | Iterable[str | Network] = (),
        timeout: float = 5.0,
        max_bytes: int = 2 * 1024 * 1024,
        max_redirects: int = 3,
        cache_size: int = 256,
        cache_ttl: float = 60.0,
    ) -> None:
        if isinstance(allow_networks, str):
            self.allow_networks = parse_networks(allow_networks)
        else:
            self.allow_networks = tuple(
                entry
                if isinstance(entry, ipaddress.IPv4Network | ipaddress.IPv6Network)
                else parse_networks([entry])[0]
                for entry in allow_networks
                if not isinstance(entry, str) or entry.strip()
            )
        self.timeout = float(timeout)
        self.max_bytes = int(max_bytes)
        self.max_redirects = int(max_redirects)
        self._cache = _Cache(cache_size, cache_ttl, self.cache_max_bytes)
        self._ssl_context = trust_store()

    @classmethod
    def from_config(cls, config: Mapping[str, Any], **options: Any) -> WebResolver:
        """The resolver the app's configuration asks for (``VERIFY_ALLOW_NETWORKS``, comma-separated CIDRs)."""
        return cls(allow_networks=parse_networks(config.get("VERIFY_ALLOW_NETWORKS") or ""), **options)

    def fetch(self, url: str, *, accept: str = DEFAULT_ACCEPT) -> Fetched:
        """Never raises. Non-2xx answers come back with their status and body (a 410 body matters for OB 2.0)."""
        try:
            key = (url, accept)
            cached = self._cache.get(key)
            if cached is not None:
                log.debug("verifier fetch %s: %s (cached)", url, cached.status)
                return cached
            fetched = self._fetch(url, accept)
            if fetched.problem is None and (200 <= fetched.status < 300 or fetched.status in CACHEABLE_CODES):
                self._cache.put(key, fetched)
            log.debug("verifier fetch %s: %s", url, fetched.problem or fetched.status)
            return fetched
        except Exception:
            log.debug("verifier fetch %s: unexpected failure", url, exc_info=True)
            return Fetched(url=url if isinstance(url, str) else "", status=0, body=b"", content_type="",
                           problem="unreachable")  # fmt: skip

    # --- one fetch, hop by hop ------------------------------------------------------------------------------------

    def _fetch(self, url: str, accept: str) -> Fetched:
        deadline = time.monotonic() + self.timeout
        current = url
        status = 0
        for hop in range(self.max_redirects + 1):
            try:
                status, location, body, content_type = self._request(current, accept, deadline)
            except _Refused as refused:
                return Fetched(current, refused.status, b"", "", refused.problem)
            if location is None:
                return Fetched(current, status, body, content_type)
            log.debug("verifier fetch %s: %s redirect (hop %s)", current, status, hop + 1)
            current = urljoin(current, location)
        return Fetched(current, status, b"", "", "too-many-redirects")

    def _request(self, url: str, accept: str, deadline: float) -> tuple[int, str | None, bytes, str]:
        """One HTTP exchange: ``(status, redirect location or None, body, media type)``; raises ``_Refused``."""
        target = _parse(url)
        addresses = self._checked_addresses(target, deadline)
        last_error: _Refused | None = None
        for address in addresses:
            try:
                return self._exchange(target, address, accept, deadline)
            except _Refused as refused:
                if refused.problem != "unreachable" or time.monotonic() >= deadline:
                    raise
                last_error = refused  # connection refused on this address: try the next one
        raise last_error or _Refused("unreachable")

    def _checked_addresses(self, target: _Target, deadline: float) -> list[str]:
        """The addresses of the host that pass the guard, in the resolver's order; raises ``_Refused``."""
        try:
            literal = ipaddress.ip_address(target.host)
        except ValueError:
            infos = _getaddrinfo_before(target.host, target.port, deadline)
        else:  # an address in the URL: nothing to look up
            if address_refused(literal, self.allow_networks):
                raise _Refused("refused-address")
            return [literal.compressed]
        allowed: list[str] = []
        refused = False
        for family, _type, _proto, _name, sockaddr in infos:
            if family not in (socket.AF_INET, socket.AF_INET6):
                continue
            try:
                address = ipaddress.ip_address(sockaddr[0])
            except ValueError:
                refused = True
                continue
            if address_refused(address, self.allow_networks):
                refused = True
            elif address.compressed not in allowed:
                allowed.append(address.compressed)
        if not allowed:
            raise _Refused("refused-address" if refused else "unreachable")
        return allowed

    def _exchange(
        self, target: _Target, address: str, accept: str, deadline: float
    ) -> tuple[int, str | None, bytes, str]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _Refused("timeout")
        connection: _HTTPConnection | _HTTPSConnection
        if target.scheme == "https":
            connection = _HTTPSConnection(
                address, target.port, timeout=remaining, server_hostname=target.host, ssl_context=self._ssl_context
            )
        else:
            connection = _HTTPConnection(address, target.port, timeout=remaining)
        watchdog = _Watchdog(connection, deadline)
        status = 0
        response = None
        try:
            connection.connect()
            connection.request(
                "GET",
                target.request_target,
                headers={
                    "Host": target.host_header,
                    "Accept": accept,
                    "User-Agent": USER_AGENT,
                    "Accept-Encoding": "gzip, deflate",
                    "Connection": "close",
                },
                preload_content=False,
            )
            response = connection.getresponse()
            status = response.status
            if status in REDIRECT_CODES and response.headers.get("Location"):
                return status, response.headers["Location"], b"", ""
            declared = response.headers.get("Content-Length")
            if declared and declared.strip().isdigit() and int(declared) > self.max_bytes:
                raise _Refused("too-large", status)
            chunks: list[bytes] = []
            size = 0
            while True:
                if time.monotonic() >= deadline:
                    raise _Refused("timeout", status)
                chunk = response.read(64 * 1024, decode_content=True)
                if not chunk:
                    break
                size += len(chunk)
                if size > self.max_bytes:
                    raise _Refused("too-large", status)
                chunks.append(chunk)
            if time.monotonic() >= deadline:
                raise _Refused("timeout", status)
            return status, None, b"".join(chunks), _media_type(response.headers.get("Content-Type"))
        except _Refused:
            raise
        except Exception as error:  # noqa: BLE001 - every failure becomes a problem name, never an exception
            raise _Refused(_problem_of(error, deadline), status if status else 0) from None
        finally:
            watchdog.stop()
            if response is not None:
                response.close()
            connection.close()


def _problem_of(error: BaseException, deadline: float) -> str:
    if time.monotonic() >= deadline:
        return "timeout"
    if isinstance(error, urllib3_errors.NewConnectionError):
        return "unreachable"
    if isinstance(error, ssl.SSLError | ssl.CertificateError | urllib3_errors.SSLError):
        return "tls"
    if isinstance(error, TimeoutError | urllib3_errors.TimeoutError):
        return "timeout"
    return "unreachable"


class _Watched:
    """A connection that keeps a duplicate of its socket, so that a watchdog can shut the exchange down from
    another thread at any stage (TCP, TLS handshake, headers, body) without racing the socket's owner."""

    watch: socket.socket | None = None

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()  # type: ignore[misc]
        self.watch = sock.dup()  # the same connection under a descriptor of our own, closed by the watchdog
        return sock


class _HTTPConnection(_Watched, HTTPConnection):
    pass


class _HTTPSConnection(_Watched, HTTPSConnection):
    pass


class _Watchdog:
    """Shuts the connection down at the deadline: socket timeouts restart with every byte received, so without
    it a server sending slowly could hold a fetch far longer than the timeout."""

    def __init__(self, connection: _Watched, deadline: float) -> None:
        self._connection = connection
        self._lock = threading.Lock()
        self._stopped = False
        self._timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._expire)
        self._timer.daemon = True
        self._timer.start()

    def _expire(self) -> None:
        with self._lock:
            watch = self._connection.watch
            if self._stopped or watch is None:
                return
            with contextlib.suppress(OSError):
                watch.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        self._timer.cancel()
        with self._lock:
            self._stopped = True
            if self._connection.watch is not None:
                self._connection.watch.close()


def _getaddrinfo_before(host: str, port: int, deadline: float) -> list:
    """``socket.getaddrinfo`` bounded by the deadline (the C resolver has no timeout of its own); raises
    ``_Refused``."""
    result: dict[str, Any] = {}

    def lookup() -> None:
        try:
            result["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except Exception as error:  # noqa: BLE001 - reported to the waiting thread
            result["error"] = error

    thread = threading.Thread(target=lookup, name="verifier-dns", daemon=True)
    thread.start()
    thread.join(max(0.0, deadline - time.monotonic()))
    if thread.is_alive():
        raise _Refused("timeout")
    if "error" in result:
        if isinstance(result["error"], UnicodeError | ValueError):
            raise _Refused("bad-url")
        raise _Refused("unreachable")
    return result["infos"]
