"""Everything the verifier fetches goes through the caller's ``Resolver``, behind a ``Fetcher``: a budget of calls
per verification, a memo, and a firewall (nothing that comes back is trusted as well-formed JSON). ``Context`` is
the state of one verification: the fetcher, the moment ``now`` and what could not be resolved."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from badges.verification.common import is_http_url
from badges.verification.inputs import sanitised

log = logging.getLogger(__name__)

MAX_FETCHES = 12  # resolver calls per verification


class Resolver(Protocol):
    """What the caller fetches for the verifier (network, cache or database). Never raise: return ``None``
    (an exception is caught and counts as "not found"). Documents are parsed JSON (dict), at most a few MB.

    SSRF is the caller's business: these URLs come from untrusted badges.
    """

    def document(self, url: str) -> tuple[int, dict[str, Any] | None]:
        """``(HTTP status, JSON object or None)`` of an http(s) URL: an OB 2.0 assertion, badge class, issuer
        profile, CryptographicKey or RevocationList, or an OB 3.0 credential given as a link. ``(0, None)`` when
        unreachable. A 410 body must be returned too (a revoked hosted assertion)."""
        ...

    def status_list(self, url: str) -> dict[str, Any] | None:
        """The BitstringStatusListCredential (JSON, embedded proof) at ``url``, or ``None``."""
        ...

    def ed25519_key(self, verification_method: str) -> Ed25519PublicKey | None:
        """The Ed25519 key of a verification method that is not a did:key/did:jwk (e.g. ``did:web:host#key-1``),
        or ``None``. Return a key only when the DID document of the DID before ``#`` lists the method (with that
        DID as controller) for ``assertionMethod``: the verifier checks that this DID is the issuer."""
        ...


class Fetcher:
    """The resolver behind a budget, a memo and a firewall: nothing it returns is trusted as well-formed."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self.calls = 0
        self.memo: dict[tuple[str, str], Any] = {}

    def _call(self, kind: str, arg: str, call: Callable[[], Any]) -> Any:
        if (kind, arg) in self.memo:
            return self.memo[(kind, arg)]
        self.calls += 1
        if self.calls > MAX_FETCHES:
            result = None
        else:
            try:
                result = call()
            except Exception:  # the caller's resolver failing means "not found"
                log.warning("badge verification: resolver.%s(%r) failed", kind, arg[:200], exc_info=True)
                result = None
        self.memo[(kind, arg)] = result
        return result

    def document(self, url: Any) -> tuple[int, dict[str, Any] | None]:
        if not is_http_url(url):
            return 0, None
        answer = self._call("document", url, lambda: self.resolver.document(url))
        if not isinstance(answer, tuple) or len(answer) != 2:
            return 0, None
        status, doc = answer
        status = status if isinstance(status, int) and not isinstance(status, bool) else 0
        doc = sanitised(doc) if isinstance(doc, dict) else None
        return status, doc

    def node(self, url: Any) -> dict[str, Any] | None:
        """An OB 2.0 node served with 200 at ``url`` whose ``id`` (when it has one) is ``url``."""
        status, doc = self.document(url)
        if status != 200 or doc is None or ("id" in doc and doc["id"] != url):
            return None
        return doc

    def status_list(self, url: str) -> dict[str, Any] | None:
        if not is_http_url(url):
            return None
        doc = self._call("status_list", url, lambda: self.resolver.status_list(url))
        return sanitised(doc) if isinstance(doc, dict) else None

    def ed25519_key(self, method: str) -> Ed25519PublicKey | None:
        key = self._call("ed25519_key", method, lambda: self.resolver.ed25519_key(method))
        return key if isinstance(key, Ed25519PublicKey) else None


class Context:
    """One verification: the fetcher, the moment of the verification, the methods whose key was not found."""

    def __init__(self, resolver: Resolver, now: datetime) -> None:
        self.fetch = Fetcher(resolver)
        self.now = now
        self.unresolved: list[str] = []
