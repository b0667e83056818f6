"""Tremplin's interop harness, Open Badges 2.0: one assertion in, one JSON verdict out.

The engine is the 1EdTech / Concentric Sky validator (PyPI ``openbadges`` 1.1.2, "validator-core"), installed with
its pins from ``interop/requirements-ob2.txt`` in a Python 3.11 venv by ``scripts/interop-setup``::

    .cache/ob2-venv/bin/python interop/ob2-validate.py [--brief] [--recipient-email ADDR] INPUT

INPUT: a hosted assertion's URL (loopback), an assertion as JSON, a JWS-signed assertion, a baked PNG or SVG, or
``-`` for stdin. Exit 0 valid, 1 invalid, 2 usage error; stdout is one JSON verdict whose ``failedChecks`` holds
``validator-core`` when the validator's report is not valid, and the harness's own checks for what validator-core
1.1.2 lets through although OB 2.0 requires it:

* ``hosted-revoked``: a hosted assertion answered with HTTP 410 or declaring ``revoked: true``;
* ``presented-equals-hosted``: an assertion presented as JSON differs from the hosted copy at its ``id`` (the
  validator checks only the hosted copy).

Network: only loopback hosts (and ``--allow-host`` hosts) are contacted; the OB 2.0 JSON-LD context is answered
from the copy bundled in the validator itself; every other request fails and is listed in ``blocked``.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import sys
from pathlib import Path
from urllib.parse import urlsplit

import requests
from requests.models import Response

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
OB2_CONTEXT_URLS = (
    "https://w3id.org/openbadges/v2",
    "http://w3id.org/openbadges/v2",
    "https://openbadgespec.org/v2/context.json",
)


class Guard:
    """Wraps ``requests.Session.send`` (requests-cache and validator-core end up there): answers the OB 2.0 context
    from the validator's own copy, lets loopback through, refuses the rest; logs every answer's status."""

    def __init__(self, hosts: set[str]) -> None:
        self.hosts = set(LOOPBACK) | hosts
        self.answers: list[tuple[str, int | str]] = []
        self.blocked: list[str] = []
        self._send = requests.Session.send

    def install(self) -> None:
        guard = self

        def send(session: requests.Session, request: requests.PreparedRequest, **kwargs: object) -> Response:
            return guard.send(session, request, **kwargs)

        requests.Session.send = send  # type: ignore[method-assign]

    def send(self, session: requests.Session, request: requests.PreparedRequest, **kwargs: object) -> Response:
        url = request.url or ""
        if url in OB2_CONTEXT_URLS:
            from openbadges.verifier.openbadges_context import OPENBADGES_CONTEXT_V2_DICT

            self.answers.append((url, "bundled"))
            response = Response()
            response.status_code = 200
            response._content = json.dumps(OPENBADGES_CONTEXT_V2_DICT).encode()
            response.headers["Content-Type"] = "application/ld+json"
            response.url, response.request, response.encoding = url, request, "utf-8"
            return response
        host = (urlsplit(url).hostname or "").strip("[]")
        if host in self.hosts:
            response = self._send(session, request, **kwargs)
            self.answers.append((url, response.status_code))
            return response
        self.blocked.append(url)
        raise requests.ConnectionError(f"ob2-validate works offline: refused to fetch {url}")


def read_input(source: str) -> tuple[object, dict | None]:
    """What to give validator-core, and the JSON that was presented (to compare with the hosted copy)."""
    if source.startswith(("http://", "https://")):
        return source, None
    raw = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    if raw.startswith(b"\x89PNG\r\n\x1a\n") or raw.lstrip().startswith((b"<?xml", b"<svg")):
        image = io.BytesIO(raw)
        image.name = Path(source).name if source != "-" else "badge.png"
        return image, None
    text = raw.decode("utf-8").strip()
    if text.startswith("{"):
        return text, json.loads(text)
    return text, None  # a JWS


def harness_checks(result: dict, guard: Guard, presented: dict | None) -> list[dict]:
    checks = []
    for url, status in guard.answers:
        if status == 410:
            checks.append({"id": "hosted-revoked", "ok": False, "message": f"HTTP 410 Gone for {url}: revoked"})
    for node in result.get("graph", []):
        types = node.get("type") if isinstance(node.get("type"), list) else [node.get("type")]
        if "Assertion" in types and node.get("revoked") in (True, "true"):
            reason = f" ({node['revocationReason']})" if node.get("revocationReason") else ""
            message = f"the assertion {node.get('id')} says revoked: true{reason}"
            checks.append({"id": "hosted-revoked", "ok": False, "message": message})
    if presented is not None:
        hosted = ((result.get("input") or {}).get("original_json") or {}).get(presented.get("id"))
        if hosted is not None:
            try:
                same = json.loads(hosted) == presented
            except ValueError:
                same = False
            message = (
                "the presented JSON is the hosted assertion"
                if same
                else "the presented JSON differs from the assertion hosted at its id"
            )
            checks.append({"id": "presented-equals-hosted", "ok": same, "message": message})
    return checks


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ob2-validate", description=__doc__.split("\n\n")[0])
    parser.add_argument("input", help="hosted URL, JSON or JWS file, baked PNG or SVG, or - for stdin")
    parser.add_argument("--recipient-email", help="check the recipient's hashed identity against this address")
    parser.add_argument("--allow-host", action="append", default=[], help="also allow requests to this host")
    parser.add_argument("--brief", action="store_true", help="only the verdict, the failed checks and the messages")
    parser.add_argument("--verbose", action="store_true", help="let validator-core log its failed tasks on stderr")
    args = parser.parse_args(argv)

    guard = Guard(set(args.allow_host))
    guard.install()
    from openbadges import verify  # after the guard: validator-core keeps its own references to requests

    if not args.verbose:  # validator-core's logger is set to DEBUG and prints a traceback for every failed task
        logging.getLogger("openbadges.verifier").setLevel(logging.CRITICAL)
    try:
        badge, presented = read_input(args.input)
    except (OSError, ValueError) as error:
        verdict = {"verdict": "invalid", "input": args.input, "failedChecks": ["parse"], "messages": [str(error)]}
        print(json.dumps(verdict))
        return 1
    recipient = {"email": args.recipient_email} if args.recipient_email else None
    result = verify(badge, recipient_profile=recipient, use_cache=False, include_original_json=True)
    report = result["report"]

    own = harness_checks(result, guard, presented)
    errors = [m for m in report.get("messages", []) if m.get("messageLevel") == "ERROR"]
    failed = ([] if report.get("valid") else ["validator-core"]) + [c["id"] for c in own if c["ok"] is False]
    failed = list(dict.fromkeys(failed))
    messages = [f"{m.get('name', 'ERROR')}: {m.get('result')}" for m in errors]
    messages += [c["message"] for c in own if c["ok"] is False]
    verdict = {
        "verdict": "invalid" if failed else "valid",
        "input": args.input,
        "failedChecks": failed,
        "messages": messages,
    }
    if guard.blocked:
        verdict["blocked"] = guard.blocked
    if not args.brief:
        verdict["openBadgesVersion"] = report.get("openBadgesVersion")
        verdict["validatorCore"] = {
            "valid": bool(report.get("valid")),
            "errorCount": report.get("errorCount"),
            "warningCount": report.get("warningCount"),
            "warnings": [m.get("result") for m in report.get("messages", []) if m.get("messageLevel") == "WARNING"],
            "recipientProfile": report.get("recipientProfile"),
        }
        verdict["harnessChecks"] = own
        verdict["requests"] = [f"{url} -> {status}" for url, status in guard.answers]
    print(json.dumps(verdict, indent=None if args.brief else 2, default=str))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
