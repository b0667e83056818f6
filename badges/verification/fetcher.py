"""Everything the verifier fetches goes through the caller's ``Resolver`` (a transport: bytes only), behind a
``Fetcher``: a budget of fetches per verification, a memo, and the interpretation of what came back (JSON object,
compact JWS, or nothing usable). ``Context`` is the state of one verification.

The transport never interprets: all meaning (JSON, JWT, did:web URL mapping, key documents, status lists) is given
here and in the modules that use a ``Fetcher``. ``Fetched`` and ``Resolver`` are defined once, in
``badges.resolver`` beside the network transport (``WebResolver``), and re-exported here.

A fetch that could not be made — no answer (``Fetched.problem``: unreachable, timeout, refused address, too large,
TLS...), a server error (5xx), "too many requests" (429), or the fetch budget spent — means *we could not check*:
``Answer.unreachable`` is true and the check that needed it is ``indeterminate``, never ``failed``. A clear answer
(404, a document that is not what it should be) is the issuer's word and can fail a check.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from badges.resolver import DEFAULT_ACCEPT, Fetched, Resolver
from badges.verification.common import MAX_INPUT_BYTES, is_http_url
from badges.verification.inputs import JSON_SPACE, JWS_RE, Unsafe, load_json

log = logging.getLogger(__name__)

MAX_FETCHES = 12  # resolver calls per verification
JSON_ACCEPT = DEFAULT_ACCEPT
DID_ACCEPT = "application/did+ld+json, application/did+json, application/ld+json;q=0.9, application/json;q=0.8"
CREDENTIAL_ACCEPT = (
    "application/vc+ld+json, application/ld+json, application/json;q=0.9, application/vc+jwt;q=0.8, "
    "application/jwt;q=0.8, */*;q=0.1"
)


@dataclass(frozen=True)
class Answer:
    """What the verifier made of one fetch: ``doc`` (a JSON object body) or ``text`` (a compact JWS body), and
    ``problem`` when nothing was received (transport problem, or ``"budget"`` when the fetch budget was spent)."""

    url: str
    status: int
    doc: dict[str, Any] | None = None
    text: str | None = None
    problem: str | None = None

    @property
    def unreachable(self) -> bool:
        """We could not get the issuer's answer: the check that needed it cannot be decided."""
        return self.problem is not None or self.status == 0 or self.status >= 500 or self.status in (408, 429)

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.problem is None

    def why(self) -> str:
        """A short technical reason, for a ``detail`` param."""
        if self.problem:
            return self.problem
        return f"HTTP status {self.status}"


def _interpret(url: str, fetched: Any) -> Answer:
    if not isinstance(fetched, Fetched):
        return Answer(url, 0, problem="unreachable")
    status = fetched.status if isinstance(fetched.status, int) and not isinstance(fetched.status, bool) else 0
    if fetched.problem:
        return Answer(url, status, problem=str(fetched.problem)[:40])
    body = fetched.body if isinstance(fetched.body, bytes) else b""
    if len(body) > MAX_INPUT_BYTES:
        return Answer(url, status, problem="too-large")
    try:
        text = body.decode("utf-8").strip(JSON_SPACE)
    except UnicodeDecodeError:
        return Answer(url, status)
    if text.startswith("{"):
        try:
            value = load_json(text)
        except (Unsafe, ValueError):
            return Answer(url, status)
        return Answer(url, status, doc=value if isinstance(value, dict) else None)
    if JWS_RE.match(text):
        return Answer(url, status, text=text)
    return Answer(url, status)


class Fetcher:
    """The resolver behind a budget, a memo and a firewall: nothing it returns is trusted as well-formed."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self.calls = 0
        self.memo: dict[str, Answer] = {}

    def get(self, url: Any, accept: str = DEFAULT_ACCEPT) -> Answer:
        """The answer at ``url`` (an http(s) URL; anything else is a ``bad-url`` problem)."""
        if not is_http_url(url):
            return Answer(str(url)[:200], 0, problem="bad-url")
        if url in self.memo:
            return self.memo[url]
        self.calls += 1
        if self.calls > MAX_FETCHES:
            answer = Answer(url, 0, problem="budget")
        else:
            try:
                answer = _interpret(url, self.resolver.fetch(url, accept=accept))
            except Exception:  # the transport must not raise; if it does, nothing was received
                log.warning("badge verification: resolver.fetch(%r) failed", url[:200], exc_info=True)
                answer = Answer(url, 0, problem="unreachable")
        self.memo[url] = answer
        return answer

    def node(self, url: Any) -> Answer:
        """An OB 2.0 node: the answer, with ``doc`` kept only when served with 200 and its ``id`` (when it has one)
        is ``url``."""
        answer = self.get(url)
        if answer.doc is not None and (not answer.ok or ("id" in answer.doc and answer.doc["id"] != url)):
            return Answer(answer.url, answer.status, None, None, answer.problem)
        return answer


class Context:
    """One verification: the fetcher, the moment of the verification, and what keys could not be had — not found
    (``unresolved``: the issuer's answer says no such key) or not fetched (``unreachable``: no answer)."""

    def __init__(self, resolver: Resolver, now: datetime) -> None:
        self.fetch = Fetcher(resolver)
        self.now = now
        self.unresolved: list[str] = []
        self.unreachable: list[str] = []
        self.unsupported: list[str] = []
        self.controllers: dict[str, str | None] = {}  # https verification method -> its stated controller
