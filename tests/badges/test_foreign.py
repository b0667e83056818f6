"""Other issuers' badges, checked by Tremplin and by the independent verifiers, who must agree (issue 13, "Proof,
not promises").

The fixtures are made once per session with other issuers' tools, never with Tremplin's code:
``interop/make-foreign.mjs`` (Digital Bazaar libraries: OB 3.0 Data Integrity eddsa-rdfc-2022 by a did:key and by a
did:web issuer, the legacy Ed25519Signature2020, BitstringStatusList credentials) and ``tests/badges/foreign.py``
(PyJWT VC-JWT RS256/ES256, OB 2.0 signed and hosted, images baked with openbadges-bakery and pypng). Each has
negative twins: tampered, wrong key, revoked, expired, not yet valid, unreachable (the issuer's site on a port
nobody listens on) and off-limits (served on 127.0.0.2, outside ``VERIFY_ALLOW_NETWORKS=127.0.0.1/32``).

Servers (``tests/badges/loopback.py``): the issuer's site over HTTPS on 127.0.0.1 (certificate for the IP address,
signed by a test CA: ``SSL_CERT_FILE`` for Tremplin, ``NODE_EXTRA_CA_CERTS`` for node), the OB 2.0 site over HTTP
on 127.0.0.1, and the same two on 127.0.0.2 for the off-limits twins.

``EXPECTED`` is the one table of outcomes. For each fixture: (a) ``tremplin badges verify --format json`` (exit 0
valid, 1 not valid, 3 could not be checked), (b) ``POST /api/v1/verify``, (c) the ``/verify`` upload page, and (d)
the independent verifier (DCC verifier-core via ``interop/ob3-verify.mjs`` for OB 3.0, the 1EdTech validator via
``interop/ob2-validate.py`` for OB 2.0), which has two verdicts: it agrees when it says valid for *valid* and not
valid for *invalid* (with the same failed check where the table names one); for *indeterminate* it must not say
valid. Run selectively with ``-m foreign`` (needs ``scripts/interop-setup``).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from badges.resolver import WebResolver
from core import create_app
from core.db import db
from tests.badges import foreign
from tests.badges.loopback import Site, answer, make_ca, serve_files, server_context
from tests.conftest import CSRFClient, make_config

ROOT = Path(__file__).resolve().parents[2]
HARNESS = ROOT / "interop"
OB2_VENV = ROOT / ".cache" / "ob2-venv"
NODE_FILE = ROOT / ".cache" / "interop-node"

if not (HARNESS / "node_modules" / "@digitalbazaar" / "vc").is_dir():
    pytest.skip("run scripts/interop-setup", allow_module_level=True)

pytestmark = [pytest.mark.foreign, pytest.mark.interop]

VALID, INVALID, INDETERMINATE = "valid", "invalid", "indeterminate"
EXIT_CODES = {VALID: 0, INVALID: 1, INDETERMINATE: 3}
PAGE_WORDS = {VALID: "Valid badge", INVALID: "Not valid", INDETERMINATE: "could not be checked"}
ANY = "any"  # an independent verifier says "not valid", for whatever reason
SKIP = None  # the independent verifier cannot check this (said why in the table)
TIMEOUT = 120


def _ob3_family(prefix: str) -> dict[str, tuple[str, str | None, str | None]]:
    return {
        f"{prefix}-valid": (VALID, None, VALID),
        f"{prefix}-tampered": (INVALID, "signature", "signature"),
        f"{prefix}-wrong-key": (INVALID, "signature", "signature"),
        f"{prefix}-revoked": (INVALID, "status", "status"),
        f"{prefix}-expired": (INVALID, "validity-period", "validity-period"),
        f"{prefix}-not-yet-valid": (INVALID, "validity-period", "validity-period"),
        f"{prefix}-unreachable": (INDETERMINATE, None, ANY),
        f"{prefix}-off-limits": (INDETERMINATE, None, ANY),
    }


# name: (Tremplin's outcome, the check Tremplin must report failed, what the independent verifier must say:
#        VALID / the id of its failed check / ANY failed check / SKIP)
EXPECTED: dict[str, tuple[str, str | None, str | None]] = {
    **_ob3_family("ob3-key"),  # DataIntegrityProof eddsa-rdfc-2022, did:key issuer, status list on its site
    **_ob3_family("ob3-web"),  # the same by a did:web issuer (did.json on the HTTPS site)
    **_ob3_family("ob3-ed2020"),  # legacy Ed25519Signature2020, did:key issuer
    # VC-JWT RS256, did:jwk issuer, key in the jwk header: nothing to fetch, hence no unreachable twin
    "jwt-rs256-valid": (VALID, None, VALID),
    "jwt-rs256-tampered": (INVALID, "signature", "signature"),
    "jwt-rs256-wrong-key": (INVALID, "signature", "signature"),
    "jwt-rs256-expired": (INVALID, "validity-period", "validity-period"),
    "jwt-rs256-not-yet-valid": (INVALID, "validity-period", "validity-period"),
    # VC-JWT ES256, key at the kid URL on the issuer's https origin
    "jwt-es256-valid": (VALID, None, VALID),
    "jwt-es256-tampered": (INVALID, "signature", "signature"),
    "jwt-es256-wrong-key": (INVALID, "signature", "signature"),
    "jwt-es256-expired": (INVALID, "validity-period", "validity-period"),
    "jwt-es256-not-yet-valid": (INVALID, "validity-period", "validity-period"),
    "jwt-es256-unreachable": (INDETERMINATE, None, ANY),
    "jwt-es256-off-limits": (INDETERMINATE, None, ANY),
    # VC-JWT EdDSA, did:key kid (the key family's issuer), BitstringStatusList on the issuer's site
    "jwt-eddsa-valid": (VALID, None, VALID),
    "jwt-eddsa-tampered": (INVALID, "signature", "signature"),
    "jwt-eddsa-wrong-key": (INVALID, "signature", "signature"),
    "jwt-eddsa-revoked": (INVALID, "status", "status"),
    "jwt-eddsa-expired": (INVALID, "validity-period", "validity-period"),
    "jwt-eddsa-not-yet-valid": (INVALID, "validity-period", "validity-period"),
    "jwt-eddsa-unreachable": (INDETERMINATE, None, ANY),
    "jwt-eddsa-off-limits": (INDETERMINATE, None, ANY),
    # OB 2.0 signed: RS256 JWS, key at creator, listed by the issuer, RevocationList
    "ob2-signed-valid": (VALID, None, VALID),
    "ob2-signed-tampered": (INVALID, "signature", "validator-core"),
    "ob2-signed-wrong-key": (INVALID, "signature", "validator-core"),
    "ob2-signed-revoked": (INVALID, "status", "validator-core"),
    "ob2-signed-expired": (INVALID, "validity-period", "validator-core"),
    "ob2-signed-not-yet-valid": (INVALID, "validity-period", "validator-core"),
    "ob2-signed-unreachable": (INDETERMINATE, None, ANY),
    "ob2-signed-off-limits": (INDETERMINATE, None, ANY),
    # OB 2.0 hosted: assertion, badge class and issuer on the issuer's site
    "ob2-hosted-valid": (VALID, None, VALID),
    "ob2-hosted-tampered": (INVALID, "signature", "presented-equals-hosted"),
    "ob2-hosted-revoked": (INVALID, "status", "hosted-revoked"),
    "ob2-hosted-expired": (INVALID, "validity-period", "validator-core"),
    "ob2-hosted-not-yet-valid": (INVALID, "validity-period", "validator-core"),
    "ob2-hosted-unreachable": (INDETERMINATE, None, ANY),
    "ob2-hosted-off-limits": (INDETERMINATE, None, ANY),
    # baked images
    "ob2-baked-png-valid": (VALID, None, VALID),
    "ob2-baked-png-revoked": (INVALID, "status", "validator-core"),
    "ob2-baked-svg-valid": (VALID, None, VALID),
    "ob2-baked-svg-tampered": (INVALID, "signature", "validator-core"),
    "ob3-baked-png-valid": (VALID, None, VALID),
    "ob3-baked-png-revoked": (INVALID, "status", "status"),
    "ob3-baked-svg-valid": (VALID, None, VALID),
    "ob3-baked-svg-tampered": (INVALID, "signature", "signature"),
    # The JSON-LD alias trick on a foreign revoked credential: `cs` is defined as credentialStatus and replaces it;
    # the proof still verifies (same RDF). verifier-core reads the JSON key, so it is not asked.
    "ob3-key-revoked-alias": (INVALID, None, SKIP),
}


# --------------------------------------------------------------------------------------------- the fixtures


def _free_port(host: str) -> int:
    """A port nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def _node() -> str:
    chosen = os.environ.get("TREMPLIN_NODE") or (NODE_FILE.read_text().strip() if NODE_FILE.is_file() else "node")
    return chosen


@dataclass
class World:
    files: dict[str, Path]  # fixture name -> the file presented
    ca_file: Path
    origins: dict[str, str]  # "site", "ob2", "down", "off-limits", "off-limits-ob2" -> scheme://ip:port


def _alias_trick(credential: dict[str, Any]) -> dict[str, Any]:
    forged = dict(credential)
    forged["@context"] = [
        *credential["@context"],
        {"cs": {"@id": "https://www.w3.org/2018/credentials#credentialStatus", "@type": "@id"}},
    ]
    forged["cs"] = forged.pop("credentialStatus")
    return forged


def _independent_command(path: Path) -> list[str]:
    name = path.name
    if name.startswith(("ob3-", "jwt-")):
        return [_node(), str(HARNESS / "ob3-verify.mjs"), "--brief", str(path)]
    return [str(OB2_VENV / "bin" / "python"), str(HARNESS / "ob2-validate.py"), "--brief", str(path)]


def _run_independent(command: list[str], ca_file: Path) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["NODE_EXTRA_CA_CERTS"] = env["REQUESTS_CA_BUNDLE"] = str(ca_file)
    env["OB3_SCHEMA_DIR"] = str(ROOT / "badges" / "schemas" / "ob3")
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,127.0.0.2,localhost,::1"
    done = subprocess.run(  # noqa: S603 - fixed programs, arguments built here
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
    verdict: dict[str, Any] = {}
    for line in reversed(done.stdout.strip().splitlines()):
        try:
            verdict = json.loads(line)
            break
        except ValueError:
            continue
    return {"returncode": done.returncode, "verdict": verdict, "stdout": done.stdout, "stderr": done.stderr[-3000:]}


@pytest.fixture(scope="session")
def world(tmp_path_factory) -> Iterator[World]:
    started = time.monotonic()
    tmp = tmp_path_factory.mktemp("foreign")
    ca = make_ca("Foreign issuers' test CA")
    ca_file = tmp / "ca.pem"
    ca_file.write_bytes(ca[1].public_bytes(serialization.Encoding.PEM))
    tls = server_context(tmp, ca, ["127.0.0.1", "127.0.0.2", "localhost"], "site")
    tls_off = server_context(tmp, ca, ["127.0.0.1", "127.0.0.2", "localhost"], "off")
    https_routes: dict = {}
    http_routes: dict = {}
    off_https_routes: dict = {}
    off_http_routes: dict = {}
    sites = [
        Site(https_routes, "127.0.0.1", tls=tls),
        Site(http_routes, "127.0.0.1"),
        Site(off_https_routes, "127.0.0.2", tls=tls_off),
        Site(off_http_routes, "127.0.0.2"),
    ]
    try:
        https, http, off_https, off_http = (f"{s.host}:{s.port}" for s in sites)
        down = _free_port("127.0.0.1")
        out = tmp / "made"
        subprocess.run(  # noqa: S603
            [_node(), str(HARNESS / "make-foreign.mjs"), str(out), "--site", f"https://{https}",
             "--down", f"https://127.0.0.1:{down}", "--off-limits", f"https://{off_https}"],
            cwd=ROOT, check=True, capture_output=True, timeout=TIMEOUT,
        )  # fmt: skip
        https_routes.update(serve_files(out / "site"))
        off_https_routes.update(serve_files(out / "off-limits"))
        manifest = json.loads((out / "manifest.json").read_text())
        files = {name: out / entry["file"] for name, entry in manifest["fixtures"].items()}

        keys = foreign.Keys()
        given = tmp / "given"
        given.mkdir()
        tokens, jwt_served = foreign.jwt_fixtures(keys, f"https://{https}", f"https://127.0.0.1:{down}",
                                                  f"https://{off_https}")  # fmt: skip
        for path, body in jwt_served.items():
            if path.startswith("off-limits:"):
                off_https_routes[path.removeprefix("off-limits:")] = answer(body, content_type="application/jwk+json")
            else:
                https_routes[path] = answer(body, content_type="application/jwk+json")
        key_family = manifest["fixtures"]["ob3-key-valid"]["issuer"]
        tokens.update(
            foreign.jwt_eddsa_fixtures(
                key_family, f"https://{https}", f"https://127.0.0.1:{down}", f"https://{off_https}",
                manifest["validIndex"], manifest["revokedIndex"],
            )
        )  # fmt: skip
        for name, token in tokens.items():
            files[name] = foreign.write(given, f"{name}.jwt", token)

        ob2, ob2_served = foreign.ob2_fixtures(keys, f"http://{http}", f"http://127.0.0.1:{down}", f"http://{off_http}")
        badge_png = foreign.plain_png()
        for routes in (http_routes, off_http_routes):
            routes["/ob2/badge.png"] = answer(badge_png, content_type="image/png")
        for path, (status, doc) in ob2_served.items():
            routes = off_http_routes if path.startswith("off-limits:") else http_routes
            routes[path.removeprefix("off-limits:")] = answer(
                json.dumps(doc).encode(), status=status, content_type="application/ld+json"
            )
        for name, text in ob2.items():
            files[name] = foreign.write(given, f"{name}.{'jws' if 'signed' in name else 'json'}", text)

        # baked images: OB 2.0 with openbadges-bakery, OB 3.0 with pypng / minidom
        ob3 = {name: files[f"ob3-key-{name}"].read_text() for name in ("valid", "revoked", "tampered")}
        svg = foreign.PLAIN_SVG
        for name, baked in {
            "ob2-baked-png-valid.png": foreign.bake_ob2(badge_png, ob2["ob2-signed-valid"]),
            "ob2-baked-png-revoked.png": foreign.bake_ob2(badge_png, ob2["ob2-signed-revoked"]),
            "ob2-baked-svg-valid.svg": foreign.bake_ob2(svg, ob2["ob2-signed-valid"]),
            "ob2-baked-svg-tampered.svg": foreign.bake_ob2(svg, ob2["ob2-signed-tampered"]),
            "ob3-baked-png-valid.png": foreign.bake_ob3_png(badge_png, ob3["valid"]),
            "ob3-baked-png-revoked.png": foreign.bake_ob3_png(badge_png, ob3["revoked"]),
            "ob3-baked-svg-valid.svg": foreign.bake_ob3_svg(svg, ob3["valid"]),
            "ob3-baked-svg-tampered.svg": foreign.bake_ob3_svg(svg, ob3["tampered"]),
        }.items():
            files[name.rsplit(".", 1)[0]] = foreign.write(given, name, baked)
        files["ob3-key-revoked-alias"] = foreign.write(
            given, "ob3-key-revoked-alias.json", json.dumps(_alias_trick(json.loads(ob3["revoked"])), indent=2)
        )
        assert set(files) == set(EXPECTED), f"fixtures made and table differ: {set(files) ^ set(EXPECTED)}"

        print(f"\nforeign fixtures: {len(files)} made in {time.monotonic() - started:.1f} s")
        origins = {
            "site": f"https://{https}",
            "ob2": f"http://{http}",
            "down": f"https://127.0.0.1:{down}",
            "off-limits": f"https://{off_https}",
            "off-limits-ob2": f"http://{off_http}",
        }
        yield World(files, ca_file, origins)
    finally:
        for site in sites:
            site.close()


# --------------------------------------------------------------------------------------------- Tremplin


@pytest.fixture(scope="module")
def foreign_app(world: World, database_url: str, _migrated) -> Iterator[Any]:
    """One app for the whole module (verification only reads), allowed to reach 127.0.0.1 and nothing else, and
    trusting the test CA."""
    saved = os.environ.get("SSL_CERT_FILE")
    os.environ["SSL_CERT_FILE"] = str(world.ca_file)
    application = create_app(
        make_config(database_url, VERIFY_ALLOW_NETWORKS="127.0.0.1/32", RATE_LIMITS={"verify": None})
    )
    application.test_client_class = CSRFClient
    try:
        with application.app_context():
            yield application
            db.session.remove()
            db.engine.dispose()
    finally:
        if saved is None:
            os.environ.pop("SSL_CERT_FILE", None)
        else:
            os.environ["SSL_CERT_FILE"] = saved


def _json_outcome(body: dict[str, Any]) -> str:
    """``outcome`` (valid / invalid / indeterminate); a verifier without it has only ``valid``."""
    if "outcome" in body:
        return body["outcome"]
    return VALID if body.get("valid") is True else INVALID


def _failed_codes(body: dict[str, Any]) -> list[str]:
    return [check.get("code") for check in body.get("checks", []) if check.get("outcome") == "failed"]


def _shown(body: dict[str, Any]) -> str:
    """The verdict and its checks, one line each (for failure messages)."""
    lines = [f"outcome={body.get('outcome')!r} valid={body.get('valid')!r} format={body.get('format')!r}"]
    for check in body.get("checks", []):
        text = check.get("message", "") % (check.get("params") or {}) if check.get("params") else check.get("message")
        lines.append(f"  [{check.get('outcome')}] {check.get('code')}: {text}")
    return "\n".join(lines)


def _assert_json(name: str, body: dict[str, Any], where: str) -> None:
    outcome, check, _ = EXPECTED[name]
    shown = _shown(body)
    assert _json_outcome(body) == outcome, f"{where}: {name} should be {outcome}\n{shown}"
    if outcome == VALID:
        assert body.get("valid") is True, f"{where}: {name}\n{shown}"
        assert _failed_codes(body) == [], f"{where}: {name}\n{shown}"
    else:
        assert body.get("valid") is not True, f"{where}: {name}\n{shown}"
    if check is not None:
        assert check in _failed_codes(body), f"{where}: {name} should fail the {check!r} check\n{shown}"


@pytest.mark.parametrize("name", list(EXPECTED))
def test_cli_verify_json(name: str, world: World, foreign_app) -> None:
    result = foreign_app.test_cli_runner().invoke(args=["badges", "verify", str(world.files[name]), "--format", "json"])
    try:
        body = json.loads(result.output)
    except ValueError:
        pytest.fail(f"{name}: not JSON (exit {result.exit_code})\n{result.output[-3000:]}")
    _assert_json(name, body, "tremplin badges verify")
    outcome = EXPECTED[name][0]
    assert result.exit_code == EXIT_CODES[outcome], f"{name}: exit {result.exit_code}, expected {EXIT_CODES[outcome]}"


@pytest.mark.parametrize("name", list(EXPECTED))
def test_api_verify(name: str, world: World, foreign_app) -> None:
    response = foreign_app.test_client().post(
        "/api/v1/verify", data=world.files[name].read_bytes(), content_type="application/octet-stream"
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    _assert_json(name, response.get_json(), "POST /api/v1/verify")


@pytest.mark.parametrize("name", list(EXPECTED))
def test_upload_page(name: str, world: World, foreign_app) -> None:
    path = world.files[name]
    response = foreign_app.test_client().post(
        "/verify",
        data={"file": (path.open("rb"), path.name)},
        content_type="multipart/form-data",
        headers={"Accept-Language": "en"},
    )
    page = response.get_data(as_text=True)
    outcome = EXPECTED[name][0]
    assert response.status_code == 200, page[:2000]
    verdict = page.split('class="verdict', 1)[-1].split("</div>", 1)[0]
    assert PAGE_WORDS[outcome].lower() in verdict.lower(), (
        f"{name}: the page should say {PAGE_WORDS[outcome]!r}\n{verdict}"
    )
    for other, words in PAGE_WORDS.items():
        if other != outcome:
            assert words.lower() not in verdict.lower(), f"{name}: the page says {words!r}\n{verdict}"


# --------------------------------------------------------------------------------------------- independent


class Independent:
    """The independent verifiers' answers, by fixture name (``{"returncode", "verdict", "stdout", "stderr"}``), each
    run once. Without xdist every checkable fixture is run up front, two at a time; under xdist each worker runs
    only the ones its tests ask for."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.done: dict[str, dict[str, Any]] = {}

    def run(self, name: str) -> dict[str, Any]:
        return _run_independent(_independent_command(self.world.files[name]), self.world.ca_file)

    def prefetch(self, names: list[str]) -> None:
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=2) as pool:
            self.done.update(zip(names, pool.map(self.run, names), strict=True))
        seconds = time.monotonic() - started
        print(f"\nforeign fixtures: {len(names)} checked by the independent verifiers in {seconds:.1f} s")

    def __getitem__(self, name: str) -> dict[str, Any]:
        if name not in self.done:
            self.done[name] = self.run(name)
        return self.done[name]


@pytest.fixture(scope="session")
def independent(world: World, worker_id: str) -> Independent:
    answers = Independent(world)
    if worker_id == "master":
        answers.prefetch([name for name, row in EXPECTED.items() if row[2] is not SKIP])
    return answers


@pytest.mark.parametrize("name", [name for name, row in EXPECTED.items() if row[2] is not SKIP])
def test_independent_verifier_agrees(name: str, independent: Independent) -> None:
    run = independent[name]
    expected = EXPECTED[name][2]
    verdict = run["verdict"]
    shown = f"\n{json.dumps(verdict, indent=1)[:3000]}\n--- stderr\n{run['stderr']}"
    if expected == VALID:
        assert run["returncode"] == 0 and verdict.get("verdict") == VALID, f"{name} should be valid{shown}"
        assert verdict.get("failedChecks") == [], shown
    else:
        assert run["returncode"] == 1 and verdict.get("verdict") == INVALID, f"{name} should not be valid{shown}"
        if expected != ANY:
            assert expected in verdict.get("failedChecks", []), f"{name} should fail {expected!r}{shown}"


# --------------------------------------------------------------------------------------------- the premises


def test_off_limits_documents_are_served_and_only_the_guard_stops_them(world: World, monkeypatch) -> None:
    """The off-limits twins are honest badges whose documents really are online (on 127.0.0.2): a resolver allowed
    there fetches them; the one the app uses (127.0.0.1/32) refuses the address. The unreachable twins' port
    answers nobody."""
    monkeypatch.setenv("SSL_CERT_FILE", str(world.ca_file))
    documents = [
        world.origins["off-limits"] + "/status/key.json",
        world.origins["off-limits"] + "/.well-known/did.json",
        world.origins["off-limits"] + "/keys/es256.json",
        world.origins["off-limits-ob2"] + "/ob2/assertions/off-limits",
        world.origins["off-limits-ob2"] + "/ob2/keys/1",
    ]
    everywhere = WebResolver(allow_networks=["127.0.0.0/8"])
    app_like = WebResolver(allow_networks=["127.0.0.1/32"])
    for url in documents:
        fetched = everywhere.fetch(url)
        assert (fetched.status, fetched.problem) == (200, None), url
        assert json.loads(fetched.body), url
        assert app_like.fetch(url).problem == "refused-address", url
    assert app_like.fetch(world.origins["site"] + "/status/key.json").status == 200
    assert app_like.fetch(world.origins["down"] + "/status/key.json").problem == "unreachable"
