"""Interoperability: badges built by Tremplin's pure modules, checked by verifiers Tremplin did not write.

* OB 3.0: ``interop/ob3-verify.mjs`` (DCC ``@digitalcredentials/verifier-core`` for embedded Data Integrity
  proofs, ``jose`` + the OB 3.0 §8.2 rules for VC-JWT, the 1EdTech JSON Schema in ``badges/schemas/ob3``);
* OB 2.0: ``interop/ob2-validate.py`` (PyPI ``openbadges`` 1.1.2, the 1EdTech/Concentric Sky validator-core), run
  by the Python 3.11 of ``.cache/ob2-venv``.

``scripts/interop-setup`` installs their packages from the lock files in ``interop/`` (``scripts/test`` runs it, so
CI always has them) and records which node it used; without it this module is skipped.

Every document a verifier fetches (status list, issuer profile, badge class, image, key, revocation list, hosted
assertion) is served by a small HTTP server on 127.0.0.1 (one per module and xdist worker, on a free port); the
verifiers contact nothing else (both scripts refuse any other host). Documents are built with
``badges.openbadges`` and signed with ``badges.signing`` using keys generated here.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import shutil
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from badges import baking, images, signing
from badges import openbadges as ob

ROOT = Path(__file__).resolve().parents[2]
HARNESS = ROOT / "interop"
OB2_VENV = ROOT / ".cache" / "ob2-venv"
NODE_FILE = ROOT / ".cache" / "interop-node"  # written by scripts/interop-setup: the node it installed for
OB3_SCHEMA_DIR = ROOT / "badges" / "schemas" / "ob3"

if not (HARNESS / "node_modules" / "@digitalcredentials" / "verifier-core").is_dir():
    pytest.skip("run scripts/interop-setup", allow_module_level=True)

pytestmark = pytest.mark.interop

EMAIL = "camille.dupont@example.org"  # lower case: the verifiers hash the address exactly as given
TIMEOUT = 120
NOW = datetime.now(UTC).replace(microsecond=0)


# --------------------------------------------------------------------------------------------- loopback web site


class Site:
    """A tiny HTTP server on 127.0.0.1: ``routes`` maps a request path to ``(content type, body)``; ``status``
    gives a path another status than 200. ``requests`` logs every path asked for, in order."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[str, bytes]] = {}
        self.status: dict[str, int] = {}
        self.requests: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, with_body: bool) -> None:
                site.requests.append(self.path)
                route = site.routes.get(self.path)
                if route is None:
                    content_type, body, status = "text/plain", b"not found", 404
                else:
                    (content_type, body), status = route, site.status.get(self.path, 200)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if with_body:
                    self.wfile.write(body)

            def do_GET(self) -> None:
                self._answer(with_body=True)

            def do_HEAD(self) -> None:
                self._answer(with_body=False)

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self._thread = threading.Thread(target=self.server.serve_forever, name="interop-site", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

    def url(self, path: str) -> str:
        return self.base + path

    def serve_json(self, path: str, doc: Any, content_type: str = "application/ld+json", status: int = 200) -> None:
        self.routes[path] = (content_type, json.dumps(doc, ensure_ascii=False).encode("utf-8"))
        self.status.pop(path, None)
        if status != 200:
            self.status[path] = status

    @contextmanager
    def swapped(self, path: str, doc: Any, status: int = 200) -> Iterator[None]:
        """Serve ``doc`` at ``path`` for the duration of the block (tests of one worker run one at a time)."""
        saved_route, saved_status = self.routes.get(path), self.status.get(path)
        content_type = saved_route[0] if saved_route else "application/ld+json"
        self.serve_json(path, doc, content_type, status)
        try:
            yield
        finally:
            if saved_route is None:
                self.routes.pop(path, None)
            else:
                self.routes[path] = saved_route
            self.status.pop(path, None)
            if saved_status is not None:
                self.status[path] = saved_status


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    server = Site()
    server.start()
    try:
        yield server
    finally:
        server.stop()


# --------------------------------------------------------------------------------------------- running the verifiers


@dataclass(repr=False)
class Run:
    command: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    fetched: list[str]

    @property
    def verdict(self) -> dict[str, Any]:
        for line in reversed(self.stdout.strip().splitlines()):
            try:
                parsed = json.loads(line)
            except ValueError:
                continue
            if isinstance(parsed, dict):
                return parsed
        return {}

    @property
    def failed(self) -> list[str]:
        return list(self.verdict.get("failedChecks", []))

    @property
    def messages(self) -> str:
        return " | ".join(self.verdict.get("messages", []))

    def __repr__(self) -> str:
        return f"<Run exit {self.returncode}: {self.verdict.get('verdict')} {self.failed}>"

    def __str__(self) -> str:
        return (
            f"\n$ {' '.join(self.command)}\nexit {self.returncode} after {self.seconds:.1f} s"
            f"\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr[-4000:]}\n--- fetched: {self.fetched}"
        )


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["OB3_SCHEMA_DIR"] = str(OB3_SCHEMA_DIR)
    loopback = "127.0.0.1,localhost,::1"  # never through a proxy (requests honours HTTP_PROXY)
    env["NO_PROXY"] = env["no_proxy"] = ",".join(filter(None, (env.get("NO_PROXY"), loopback)))
    return env


def _run(command: list[str], site: Site) -> Run:
    first = len(site.requests)
    start = time.monotonic()
    try:
        done = subprocess.run(  # noqa: S603 - fixed programs, arguments built by this module
            command, cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{command} did not finish in {TIMEOUT} s\nstdout: {exc.stdout}\nstderr: {exc.stderr}")
    seconds = time.monotonic() - start
    return Run(command, done.returncode, done.stdout, done.stderr, seconds, site.requests[first:])


def node() -> str:
    """The node scripts/interop-setup chose (TREMPLIN_NODE when set), which may not be the one on PATH."""
    chosen = os.environ.get("TREMPLIN_NODE") or (NODE_FILE.read_text().strip() if NODE_FILE.is_file() else "")
    chosen = chosen or shutil.which("node") or ""
    if not chosen or not os.access(chosen, os.X_OK):
        pytest.fail(f"no node to run the OB 3.0 verifier ({chosen or 'none'}): run scripts/interop-setup")
    return chosen


def ob3_verify(target: Path | str, site: Site) -> Run:
    script = str(HARNESS / "ob3-verify.mjs")
    return _run([node(), script, "--brief", "--recipient-email", EMAIL, str(target)], site)


def ob2_validate(target: Path | str, site: Site) -> Run:
    python = OB2_VENV / "bin" / "python"
    if not python.exists():
        pytest.fail(f"{OB2_VENV} is missing: run scripts/interop-setup")
    script = str(HARNESS / "ob2-validate.py")
    return _run([str(python), script, "--brief", "--recipient-email", EMAIL, str(target)], site)


def assert_valid(run: Run) -> None:
    assert run.returncode == 0, f"expected a valid verdict{run}"
    assert run.verdict.get("verdict") == "valid", f"expected a valid verdict{run}"
    assert run.failed == [], f"expected no failed check{run}"


def assert_invalid(run: Run, check: str) -> None:
    assert run.returncode == 1, f"expected exit 1 (invalid) for {check}{run}"
    assert run.verdict.get("verdict") == "invalid", f"expected an invalid verdict for {check}{run}"
    assert check in run.failed, f"expected the failed check {check!r}{run}"


# --------------------------------------------------------------------------------------------- the badges


@dataclass(repr=False)
class Badges:
    # OB 3.0
    status_path: str
    status_revoked: dict[str, Any]  # the served status list with the credential's bit set
    signed: dict[str, Any]  # embedded Data Integrity proof
    vc_jwt: str
    expired_signed: dict[str, Any]
    expired_jwt: str
    baked_png: bytes
    # OB 2.0
    hosted_path: str
    hosted_revoked: dict[str, Any]  # served with HTTP 410
    signed_jws: str
    revocations_with_signed: dict[str, Any]  # the RevocationList listing the signed assertion

    def ob3(self, proof: str) -> dict[str, Any] | str:
        return self.signed if proof == "data-integrity" else self.vc_jwt

    def ob3_expired(self, proof: str) -> dict[str, Any] | str:
        return self.expired_signed if proof == "data-integrity" else self.expired_jwt


def _achievement(site: Site) -> ob.Achievement:
    return ob.Achievement(
        id=site.url("/badges/m1"),
        name={"fr": "Créer le lien et la confiance", "en": "Building a trusting relationship"},
        description={
            "fr": "Module 1 de la formation de travailleur·euse pair·e : la posture et la relation d'aide.",
            "en": "Module 1 of the peer worker training: stance and helping relationship.",
        },
        criteria={
            "fr": "Présence à 75 % des séances et jeu de rôle observé avec une grille d'observation.",
            "en": "Attendance at 75% of the sessions and a role play observed with an observation grid.",
        },
        image=site.url("/badges/m1.png"),
        kind="module",
        tags=("travail pair", "M1"),
        alignments=(
            ob.Alignment(
                target_name={"fr": "Établir une relation de confiance", "en": "Build a trusting relationship"},
                target_url=site.url("/competences/C-M1-01"),
                target_code="C-M1-01",
            ),
        ),
    )


def _award(site: Site, index: int, **extra: Any) -> ob.Award:
    fields: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "recipient_email": EMAIL,
        "salt": ob.new_salt(),
        "issued_on": NOW - timedelta(days=1),
        "display_name": "Camille Dupont",
        "status_list_url": site.url("/status/1"),
        "status_list_index": index,
        "evidence_narrative": {
            "fr": "Jeu de rôle observé avec une grille d'observation.",
            "en": "Role play observed with an observation grid.",
        },
    }
    fields.update(extra)
    return ob.Award(**fields)


@pytest.fixture(scope="module")
def badges(site: Site) -> Badges:
    achievement = _achievement(site)
    png = images.badge_png(images.badge_svg("Créer le lien et la confiance", "", "module", "M1"), 256)
    site.routes["/badges/m1.png"] = ("image/png", png)

    # ---- OB 3.0: did:key issuer, BitstringStatusList signed by the same key
    key = signing.generate_ed25519_key()
    method = signing.did_key_verification_method(key)
    issuer = ob.Issuer(
        id=signing.did_key(key),
        name="Tremplin (test)",
        url=site.url("/"),
        email="contact@tremplin.example",
        description="Formation et certification de travailleur·euses pair·es.",
    )
    status_path, index, expired_index = "/status/1", 4242, 77
    status_url = site.url(status_path)

    def status_list(revoked: list[int]) -> dict[str, Any]:
        unsigned = ob.status_list_credential(status_url, issuer.id, revoked, valid_from=NOW - timedelta(days=2))
        return signing.add_proof(unsigned, key, method, created=NOW - timedelta(days=2))

    site.serve_json(status_path, status_list([]), "application/vc+ld+json")

    credential = ob.ob3_credential(_award(site, index), achievement, issuer)
    signed = signing.add_proof(credential, key, method, created=NOW - timedelta(days=1))
    vc_jwt = signing.sign_vc_jwt(credential, key, method)

    long_ago = NOW - timedelta(days=400)
    expired_award = _award(site, expired_index, issued_on=long_ago, valid_until=NOW - timedelta(days=30))
    expired = ob.ob3_credential(expired_award, achievement, issuer)
    expired_signed = signing.add_proof(expired, key, method, created=long_ago)
    expired_jwt = signing.sign_vc_jwt(expired, key, method)

    baked_png = baking.bake_png(png, "openbadgecredential", json.dumps(signed, ensure_ascii=False))

    # ---- OB 2.0: hosted Profile, BadgeClass, image, CryptographicKey (RSA), RevocationList, Assertions
    rsa_key = signing.generate_rsa_key()
    key_url, revocations_url = site.url("/keys/1"), site.url("/revocations")
    issuer2 = ob.Issuer(
        id=site.url("/issuer"),
        name="Tremplin (test)",
        url=site.url("/"),
        email="contact@tremplin.example",
        public_keys=(ob.PublicKey(id=key_url, pem=signing.public_key_pem(rsa_key)),),
    )
    badge_class = ob.ob2_badge_class(achievement, issuer2.id)
    site.serve_json("/issuer", ob.ob2_issuer(issuer2, revocation_list_url=revocations_url))
    site.serve_json("/badges/m1", badge_class)
    site.serve_json("/keys/1", ob.ob2_crypto_key(key_url, issuer2.id, signing.public_key_pem(rsa_key)))
    site.serve_json("/revocations", ob.ob2_revocation_list(revocations_url, issuer2.id, []))

    hosted_award = _award(site, 0, status_list_url=None, status_list_index=None)
    hosted_path = f"/assertions/{hosted_award.id}"
    site.serve_json(hosted_path, ob.ob2_assertion(hosted_award, badge_class["id"], site.url(hosted_path)))

    signed_award = _award(site, 0, status_list_url=None, status_list_index=None)
    signed_assertion = ob.ob2_assertion(
        signed_award, badge_class["id"], f"urn:uuid:{signed_award.id}", "signed", creator_key_url=key_url
    )

    return Badges(
        status_path=status_path,
        status_revoked=status_list([index]),
        signed=signed,
        vc_jwt=vc_jwt,
        expired_signed=expired_signed,
        expired_jwt=expired_jwt,
        baked_png=baked_png,
        hosted_path=hosted_path,
        hosted_revoked=ob.ob2_revoked_assertion(site.url(hosted_path), "Issued in error"),
        signed_jws=signing.sign_jws(signed_assertion, rsa_key),
        # Two entries: validator-core 1.1.2 misses a revocation when the list has exactly one (JSON-LD compaction
        # turns the one-element array into an object, and VERIFY_SIGNED_ASSERTION_NOT_REVOKED iterates over it).
        revocations_with_signed=ob.ob2_revocation_list(
            revocations_url,
            issuer2.id,
            [(signed_assertion["id"], "Issued in error"), (f"urn:uuid:{uuid.uuid4()}", None)],
        ),
    )


def _write(tmp_path: Path, credential: dict[str, Any] | str) -> Path:
    """The credential as a file: a VC-JWT (compact JWS) in a .jwt file, or JSON with its embedded proof."""
    if isinstance(credential, str):
        path = tmp_path / "credential.jwt"
        path.write_text(credential, encoding="ascii")
    else:
        path = tmp_path / "credential.json"
        path.write_text(json.dumps(credential, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def _tampered_jwt(token: str, name: str) -> str:
    """The same signature over a payload whose achievement name was changed."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["credentialSubject"]["achievement"]["name"] = name
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


PROOFS = ["data-integrity", "vc-jwt"]


# --------------------------------------------------------------------------------------------- OB 3.0


@pytest.mark.parametrize("proof", PROOFS)
def test_ob3_credential_is_valid(proof: str, badges: Badges, site: Site, tmp_path: Path) -> None:
    run = ob3_verify(_write(tmp_path, badges.ob3(proof)), site)
    assert_valid(run)
    assert badges.status_path in run.fetched, f"the status list was not checked{run}"


@pytest.mark.parametrize("proof", PROOFS)
def test_ob3_tampered_credential_fails_the_signature(proof: str, badges: Badges, site: Site, tmp_path: Path) -> None:
    if proof == "data-integrity":
        tampered: dict[str, Any] | str = copy.deepcopy(badges.signed)
        tampered["credentialSubject"]["achievement"]["name"] = "Expert·e en tout"
    else:
        tampered = _tampered_jwt(badges.vc_jwt, "Expert·e en tout")
    run = ob3_verify(_write(tmp_path, tampered), site)
    assert_invalid(run, "signature")
    assert run.failed == ["signature"], f"only the signature should fail{run}"


@pytest.mark.parametrize("proof", PROOFS)
def test_ob3_revoked_credential_fails_the_status(proof: str, badges: Badges, site: Site, tmp_path: Path) -> None:
    path = _write(tmp_path, badges.ob3(proof))
    with site.swapped(badges.status_path, badges.status_revoked):
        run = ob3_verify(path, site)
    assert_invalid(run, "status")
    assert run.failed == ["status"], f"only the status should fail{run}"
    assert "REVOKED" in run.messages, f"expected the revocation to be reported{run}"


@pytest.mark.parametrize("proof", PROOFS)
def test_ob3_expired_credential_fails_the_validity_period(
    proof: str, badges: Badges, site: Site, tmp_path: Path
) -> None:
    run = ob3_verify(_write(tmp_path, badges.ob3_expired(proof)), site)
    assert_invalid(run, "validity-period")
    assert run.failed == ["validity-period"], f"only the validity period should fail{run}"
    assert "expired" in run.messages, f"expected the expiry to be reported{run}"


def test_ob3_baked_png_is_valid(badges: Badges, site: Site, tmp_path: Path) -> None:
    path = tmp_path / "badge.png"
    path.write_bytes(badges.baked_png)
    run = ob3_verify(path, site)
    assert_valid(run)
    assert badges.status_path in run.fetched, f"the status list was not checked{run}"


# --------------------------------------------------------------------------------------------- OB 2.0


def test_ob2_hosted_assertion_is_valid(badges: Badges, site: Site) -> None:
    run = ob2_validate(site.url(badges.hosted_path), site)
    assert_valid(run)
    for path in (badges.hosted_path, "/badges/m1", "/issuer", "/badges/m1.png"):
        assert path in run.fetched, f"validator-core did not fetch {path}{run}"


def test_ob2_signed_assertion_is_valid(badges: Badges, site: Site, tmp_path: Path) -> None:
    path = tmp_path / "assertion.jws"
    path.write_text(badges.signed_jws, encoding="ascii")
    run = ob2_validate(path, site)
    assert_valid(run)
    assert "/keys/1" in run.fetched, f"validator-core did not fetch the signing key{run}"


def test_ob2_revoked_hosted_assertion_is_invalid(badges: Badges, site: Site) -> None:
    with site.swapped(badges.hosted_path, badges.hosted_revoked, status=410):
        run = ob2_validate(site.url(badges.hosted_path), site)
    assert_invalid(run, "hosted-revoked")


def test_ob2_signed_assertion_in_the_revocation_list_is_invalid(badges: Badges, site: Site, tmp_path: Path) -> None:
    path = tmp_path / "assertion.jws"
    path.write_text(badges.signed_jws, encoding="ascii")
    with site.swapped("/revocations", badges.revocations_with_signed):
        run = ob2_validate(path, site)
    assert_invalid(run, "validator-core")
    assert "has been revoked in RevocationList" in run.messages, f"expected the revocation to be reported{run}"


# --------------------------------------------------------------------------------------------- offline


def test_ob3_verifier_contacts_nothing_but_loopback(site: Site, tmp_path: Path) -> None:
    """A credential whose status list lives on another host: the verifier refuses the fetch and says so."""
    key = signing.generate_ed25519_key()
    issuer = ob.Issuer(
        id=signing.did_key(key), name="Tremplin (test)", url=site.url("/"), email="contact@tremplin.example"
    )
    remote = "https://status.tremplin.example/1"
    credential = ob.ob3_credential(_award(site, 3, status_list_url=remote), _achievement(site), issuer)
    signed = signing.add_proof(credential, key, signing.did_key_verification_method(key), created=NOW)
    run = ob3_verify(_write(tmp_path, signed), site)
    assert_invalid(run, "status")
    assert run.failed == ["status"], f"only the status should fail{run}"
    assert remote in run.verdict.get("blocked", []), f"the remote status list should be listed as refused{run}"


def test_ob2_validator_contacts_nothing_but_loopback(site: Site) -> None:
    remote = "http://badges.tremplin.example/assertions/1"
    run = ob2_validate(remote, site)
    assert_invalid(run, "validator-core")
    assert run.verdict.get("blocked") == [remote], f"the remote assertion should be listed as refused{run}"
    assert "refused to fetch" in run.messages, f"expected the refusal to be reported{run}"
