"""OpenID4VCI with a wallet Tremplin did not write: Sphereon's client (``interop/oid4vci-wallet.mjs``, pinned in
``interop/package.json``) takes an offer of one of Adèle's demo badges from the app served on a loopback port,
through the pre-authorized code flow (metadata → token → nonce → credential). What it receives passes the DCC
verifier (``interop/ob3-verify.mjs``) and names the wallet's DID; what a misbehaving wallet or a thief sends is
refused, as the issuer's own answers show; revoking the badge shows in the wallet copy's status.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import jwt
import pytest

from badges import oid4vci, services, wallet
from badges.models import Award, WalletCredential
from core.db import db, utcnow
from core.models import OutboxMessage, User
from tests.badges.test_interop import HARNESS, ROOT, TIMEOUT, _env, _run, node
from tests.badges.test_interop_app import Served, demo_app

if not (HARNESS / "node_modules" / "@sphereon" / "oid4vci-client").is_dir():
    pytest.skip("run scripts/interop-setup", allow_module_level=True)

pytestmark = pytest.mark.interop

ADELE = "adele.exemple@example.org"  # the demo trainee whose badges are public, with her name
WALLET = HARNESS / "oid4vci-wallet.mjs"
VERIFIER = HARNESS / "ob3-verify.mjs"


class Issuer(Served):
    """The app on a loopback port; ``answers`` keeps the status and JSON of every OpenID4VCI answer."""

    def __init__(self, app) -> None:
        super().__init__(app)
        self.answers: list[tuple[str, int, dict]] = []
        inner = app.wsgi_app

        def recorded(environ, start_response):
            path = environ.get("PATH_INFO", "")
            if not path.startswith("/oid4vci/"):
                return inner(environ, start_response)
            status: list[int] = []

            def remember(code, headers, *rest):
                status.append(int(code.split()[0]))
                return start_response(code, headers, *rest)

            body = b"".join(inner(environ, remember))
            try:
                document = json.loads(body)
            except ValueError:
                document = {}
            self.answers.append((path, status[0], document))
            return [body]

        app.wsgi_app = recorded

    def refusals(self) -> list[tuple[str, int, str]]:
        return [(path, code, doc.get("error", "")) for path, code, doc in self.answers if code >= 400]


@pytest.fixture(scope="module")
def issuer(tmp_path_factory) -> Iterator[Issuer]:
    app = demo_app(tmp_path_factory.mktemp("oid4vci"))
    site = Issuer(app)
    site.thread.start()
    try:
        yield site
    finally:
        site.server.shutdown()
        site.thread.join(timeout=5)
        with app.app_context():
            db.engine.dispose()


def _adeles_badges(issuer: Issuer) -> list[str]:
    with issuer.app.app_context():
        query = (
            db.select(Award.uuid)
            .join(User, User.id == Award.recipient_id)
            .where(User.email == ADELE, Award.revoked_at.is_(None))
            .order_by(Award.id)
        )
        return [str(u) for u in db.session.scalars(query)]


def _offer(issuer: Issuer, award_uuid: str, *extra: str) -> str:
    """The offer URI that ``tremplin badges offer`` prints (the command support staff use)."""
    result = issuer.app.test_cli_runner().invoke(args=["badges", "offer", award_uuid, *extra])
    assert result.exit_code == 0, result.output
    return result.stdout.strip().splitlines()[0]


def _wallet(issuer: Issuer, uri: str, *options: str, env: dict[str, str] | None = None) -> dict:
    first = len(issuer.answers)
    done = subprocess.run(  # noqa: S603 - fixed programs, arguments built by this module
        [node(), str(WALLET), *options, uri],
        cwd=ROOT,
        env={**_env(), **(env or {})},
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    assert lines, f"the wallet printed nothing (exit {done.returncode}): {done.stderr[-3000:]}"
    result = json.loads(lines[-1])
    result["exit"] = done.returncode
    result["answers"] = issuer.answers[first:]
    return result


def _verify(issuer: Issuer, credential, tmp_path: Path, name: str):
    path = tmp_path / name
    path.write_text(credential if isinstance(credential, str) else json.dumps(credential, ensure_ascii=False))
    return _run([node(), str(VERIFIER), "--brief", "--recipient-email", ADELE, str(path)], issuer)


def _refused_with(result: dict, path: str, error: str) -> None:
    assert result["ok"] is False and result["exit"] == 1, result
    refusals = [(p, code, doc.get("error")) for p, code, doc in result["answers"] if code >= 400]
    assert refusals and refusals[-1][0] == path and refusals[-1][2] == error, result["answers"]


@pytest.mark.parametrize(
    ("binding", "configuration"),
    [("did:key", oid4vci.LDP_VC), ("did:jwk", oid4vci.JWT_VC_JSON), ("jwk", oid4vci.LDP_VC)],
)
def test_the_wallet_receives_a_badge_bound_to_its_key_that_the_dcc_verifier_accepts(
    issuer: Issuer, tmp_path: Path, binding: str, configuration: str
) -> None:
    award_uuid = _adeles_badges(issuer)[0]
    result = _wallet(issuer, _offer(issuer, award_uuid), "--binding", binding, "--config", configuration)
    assert result["ok"] is True, result
    paths = [p for p, _code, _doc in result["answers"]]
    assert paths == ["/oid4vci/token", "/oid4vci/nonce", "/oid4vci/credential"], result["answers"]
    credential = result["credential"]
    if configuration == oid4vci.LDP_VC:
        subject = credential["credentialSubject"]["id"]
    else:
        subject = jwt.decode(credential, options={"verify_signature": False})["credentialSubject"]["id"]
    assert subject == result["holder_did"]
    assert subject.startswith("did:key:z6Mk" if binding == "did:key" else "did:jwk:")
    run = _verify(issuer, credential, tmp_path, "wallet.jwt" if isinstance(credential, str) else "wallet.json")
    assert run.returncode == 0 and run.verdict.get("verdict") == "valid", str(run)
    assert any(p.startswith("/badges/status/") for p in run.fetched), str(run)
    with issuer.app.app_context():
        record = db.session.scalar(db.select(WalletCredential).order_by(WalletCredential.id.desc()))
        assert (record.holder_did, record.binding) == (result["holder_did"], binding)


def test_a_tx_code_from_the_mail_is_asked_and_checked(issuer: Issuer) -> None:
    award_uuid = _adeles_badges(issuer)[0]
    uri = _offer(issuer, award_uuid, "--tx-code")
    with issuer.app.app_context():
        body = db.session.scalar(
            db.select(OutboxMessage.body)
            .where(OutboxMessage.purpose == "badge-wallet-code", OutboxMessage.recipient == ADELE)
            .order_by(OutboxMessage.id.desc())
        )
    code = next(word for word in body.replace(".", " ").split() if word.isdigit() and len(word) == 6)
    wrong = "000000" if code != "000000" else "111111"
    _refused_with(_wallet(issuer, uri, "--pin", wrong), "/oid4vci/token", "invalid_grant")
    assert _wallet(issuer, uri, "--pin", code)["ok"] is True


def test_a_replayed_offer_is_refused(issuer: Issuer) -> None:
    uri = _offer(issuer, _adeles_badges(issuer)[0])
    assert _wallet(issuer, uri)["ok"] is True
    _refused_with(_wallet(issuer, uri), "/oid4vci/token", "invalid_grant")


@pytest.mark.parametrize(
    ("tamper", "error"),
    [
        ("aud", "invalid_proof"),
        ("signature", "invalid_proof"),
        ("nonce", "invalid_nonce"),
        ("stale-nonce", "invalid_nonce"),
    ],
)
def test_a_misbehaving_wallet_is_refused(issuer: Issuer, tamper: str, error: str) -> None:
    env = {}
    if tamper == "stale-nonce":
        with issuer.app.test_request_context():
            env["TREMPLIN_STALE_NONCE"] = wallet.new_nonce(utcnow().replace(microsecond=0) - timedelta(minutes=6))
    before = _count_copies(issuer)
    result = _wallet(issuer, _offer(issuer, _adeles_badges(issuer)[0]), "--tamper", tamper, env=env)
    _refused_with(result, "/oid4vci/credential", error)
    assert _count_copies(issuer) == before


def test_revoking_the_badge_shows_in_the_wallet_copy(issuer: Issuer, tmp_path: Path) -> None:
    award_uuid = _adeles_badges(issuer)[-1]
    result = _wallet(issuer, _offer(issuer, award_uuid))
    assert result["ok"] is True, result
    assert _verify(issuer, result["credential"], tmp_path, "before.json").verdict.get("verdict") == "valid"
    with issuer.app.app_context():
        award = db.session.scalar(db.select(Award).where(Award.uuid == uuid.UUID(award_uuid)))
        services.revoke(award, "Issued in error")
        db.session.commit()
    run = _verify(issuer, result["credential"], tmp_path, "after.json")
    assert run.returncode == 1 and run.verdict.get("verdict") == "invalid", str(run)
    assert any("status" in check.lower() or "revo" in check.lower() for check in run.failed), str(run)


def test_the_wallet_script_starts() -> None:
    done = subprocess.run([node(), str(WALLET), "--help"], capture_output=True, text=True, check=False)  # noqa: S603
    assert done.returncode == 0, done.stderr
    assert "oid4vci-wallet.mjs" in done.stdout


def _count_copies(issuer: Issuer) -> int:
    with issuer.app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(WalletCredential))
