"""Interoperability, end to end: the demo's real badges, served by the app itself on a loopback port, checked by
verifiers Tremplin did not write (``interop/``: DCC verifier-core + the 1EdTech JSON Schema for OB 3.0,
1EdTech validator-core for OB 2.0).

One app per module (and xdist worker): a SQLite file, ``tremplin demo``, then a threaded WSGI server whose
``BASE_URL`` is its own address, so every URL baked in a badge (status list, issuer, badge class, keys, hosted
assertion, revocation list) is fetched from the app. Valid badges pass; a tampered copy, a revoked badge and an
expired badge fail, each for the right reason. ``scripts/interop-setup`` installs the verifiers (CI runs it).
"""

from __future__ import annotations

import copy
import json
import socket
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from badges import services
from badges.models import Achievement, Award
from core import create_app
from core.db import db
from core.models import User
from tests.badges.test_interop import (
    EMAIL,
    HARNESS,
    _tampered_jwt,
    assert_invalid,
    assert_valid,
    ob2_validate,
    ob3_verify,
)
from tests.conftest import make_config

if not (HARNESS / "node_modules" / "@digitalcredentials" / "verifier-core").is_dir():
    pytest.skip("run scripts/interop-setup", allow_module_level=True)

pytestmark = pytest.mark.interop

HOLDER = EMAIL  # camille.dupont@example.org, lower case: the verifiers hash the address exactly as given


class Served:
    """The app on 127.0.0.1:<port>; ``requests`` logs the paths asked for (what the verifiers fetched)."""

    def __init__(self, app) -> None:
        self.app = app
        self.requests: list[str] = []
        inner = app.wsgi_app

        def logged(environ, start_response):
            self.requests.append(environ.get("PATH_INFO", ""))
            return inner(environ, start_response)

        app.wsgi_app = logged
        self.server = make_server("127.0.0.1", app.config["PORT"], app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return self.app.config["BASE_URL"] + path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def demo_app(folder: Path, prepare: Callable[[], None] = lambda: None):
    """The demo in a SQLite file of ``folder``, configured for a free loopback port (``PORT``), ``prepare``d."""
    from flask_migrate import upgrade

    port = _free_port()
    database = folder / "tremplin.db"
    app = create_app(
        make_config(f"sqlite:///{database}", BASE_URL=f"http://127.0.0.1:{port}", PORT=port, TESTING=False)
    )
    with app.app_context():
        upgrade()
        result = app.test_cli_runner().invoke(args=["demo"])
        assert result.exit_code == 0, result.output
        prepare()
        db.session.remove()
    return app


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[Served]:
    app = demo_app(tmp_path_factory.mktemp("interop"), _extra_badges)
    site = Served(app)
    site.thread.start()
    try:
        yield site
    finally:
        site.server.shutdown()
        site.thread.join(timeout=5)
        with app.app_context():
            db.engine.dispose()


def _extra_badges() -> None:
    """A holder with a lower-case address (the verifiers hash it as given), a valid and an expired badge."""
    from core import services as core_services

    holder = core_services.create_user(HOLDER, "Camille Dupont", ("trainee",), password=None)
    module = db.session.scalar(db.select(Achievement).where(Achievement.key == "hetis-initial/module/M1"))
    services.issue(module, holder, context_ref="interop")
    spec = services.AchievementSpec(
        key="interop/expiring",
        kind="skill",
        code="EXP",
        name={"fr": "Écrits professionnels", "en": "Professional writing"},
        description={"fr": "Une compétence validée.", "en": "A validated competency."},
        criteria={"fr": "Avoir fait valider la compétence.", "en": "Have the competency validated."},
        valid_for_days=30,
    )
    expiring = services.sync_achievement(spec)
    services.issue(expiring, holder, now=datetime.now(UTC) - timedelta(days=60))
    skill = db.session.scalar(db.select(Achievement).where(Achievement.key == "hetis-initial/skill/B-DEONTO"))
    mistaken, _created = services.issue(skill, holder)
    services.revoke(mistaken, "Issued in error")  # as the demo does for one of Maëlle's badges
    aligned = services.sync_achievement(
        services.AchievementSpec(
            key="interop/aligned",
            kind="skill",
            code="ALN",
            name={"fr": "Créer le lien", "en": "Build contact"},
            description={"fr": "Une compétence validée.", "en": "A validated competency."},
            criteria={"fr": "Avoir fait valider la compétence.", "en": "Have the competency validated."},
            alignments=tuple(ALIGNMENTS),
            evidence=(
                {
                    "code": "E-OBS",
                    "name": {"fr": "Grille d'observation", "en": "Observation grid"},
                    "description": {"fr": "Un type de preuve.", "en": "A kind of evidence."},
                    "genre": {"fr": "Observation", "en": "Observation"},
                },
            ),
        )
    )
    services.endorse(aligned, "Maison des Possibles", "https://maison.example.org", "Nous recommandons ce badge.")
    services.issue(aligned, holder)
    db.session.commit()


#: An ESCO skill, a ROME fiche and an RNCP title, as courses.awarding hands them over (OB 3.0 targetType).
ALIGNMENTS = (
    {
        "code": "C-1",
        "name": {"fr": "Écouter", "en": "Listen"},
        "url": "https://formation.example.org/referentiel/x#C-1",
    },
    {
        "name": {"fr": "Établir une relation de confiance", "en": "Build trust"},
        "url": "http://data.europa.eu/esco/skill/11111111-2222-4333-8444-555555555555",
        "target_framework": "ESCO",
        "target_type": "ext:ESCOSkill",
    },
    {
        "code": "K1234",
        "name": {"fr": "Fiche de test", "en": "Test fiche"},
        "url": "https://rome.example.org/K1234",
        "target_framework": "ROME",
        "target_type": "ext:ROMEOccupation",
    },
    {
        "code": "RNCP12345",
        "name": {"fr": "Titre de test", "en": "Test title"},
        "url": "https://rncp.example.org/RNCP12345",
        "target_framework": "RNCP",
        "target_type": "ext:RNCPCertification",
    },
)


def _award(served: Served, key: str, **where) -> Award:
    with served.app.app_context():
        query = (
            db.select(Award)
            .join(Achievement)
            .join(User, User.id == Award.recipient_id)
            .where(Achievement.key == key, User.email == HOLDER)
        )
        return _detached(db.session.scalar(query))


def _revoked_award(served: Served) -> Award:
    with served.app.app_context():
        query = (
            db.select(Award)
            .join(User, User.id == Award.recipient_id)
            .where(Award.revoked_at.is_not(None), Award.superseded_by_id.is_(None), User.email == HOLDER)
        )
        return _detached(db.session.scalar(query))


def _detached(award: Award) -> Award:
    assert award is not None
    _ = (award.key.uuid, award.achievement.uuid, award.documents)  # loaded before leaving the session
    db.session.expunge_all()
    return award


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def _get(served: Served, path: str) -> bytes:
    with served.app.test_client() as client:
        response = client.get(path)
        assert response.status_code == 200, path
        return response.data


# --------------------------------------------------------------------------------------------- OB 3.0


@pytest.mark.parametrize("form", ["json", "jwt", "png", "url"])
def test_an_issued_ob3_badge_passes_the_dcc_verifier(served: Served, form: str, tmp_path: Path) -> None:
    award = _award(served, "hetis-initial/module/M1")
    urls = services_urls(served, award)
    if form == "json":
        target: Path | str = _write(tmp_path, "credential.json", _get(served, path_of(urls["ob3_credential_url"])))
    elif form == "jwt":
        target = _write(tmp_path, "credential.jwt", _get(served, path_of(urls["ob3_jwt_url"])))
    elif form == "png":
        target = _write(tmp_path, "badge.png", _get(served, path_of(urls["baked_png_url"])))
    else:
        target = urls["ob3_credential_url"]
    run = ob3_verify(target, served)
    assert_valid(run)
    assert any(p.startswith(f"/badges/status/{award.key.uuid}") for p in run.fetched), f"status not checked{run}"


def test_a_badge_with_alignments_evidence_kinds_and_an_endorsement_passes_the_dcc_verifier(
    served: Served, tmp_path: Path
) -> None:
    award = _award(served, "interop/aligned")
    credential = award.documents["ob3"]["fr"]
    achievement = credential["credentialSubject"]["achievement"]
    assert {a.get("targetType") for a in achievement["alignment"]} == {
        None,
        "ext:ESCOSkill",
        "ext:ROMEOccupation",
        "ext:RNCPCertification",
    }
    assert achievement["endorsement"][0]["issuer"]["name"] == "Maison des Possibles"
    assert credential["evidence"][0]["genre"] == "Observation"
    for lang in ("fr", "en"):
        target = _write(tmp_path, f"aligned-{lang}.json", json.dumps(award.documents["ob3"][lang], ensure_ascii=False))
        assert_valid(ob3_verify(target, served))
    assert_valid(ob3_verify(_write(tmp_path, "aligned.jwt", award.documents["ob3_jwt"]["fr"]), served))


def test_the_demo_badges_carry_the_kinds_of_evidence(served: Served) -> None:
    award = _award(served, "hetis-initial/module/M1")
    evidence = award.documents["ob3"]["fr"]["evidence"]
    assert evidence and all(set(e) == {"type", "name", "description", "genre"} for e in evidence)


def test_a_tampered_ob3_badge_fails_the_signature(served: Served, tmp_path: Path) -> None:
    award = _award(served, "hetis-initial/module/M1")
    credential = copy.deepcopy(award.documents["ob3"]["fr"])
    credential["credentialSubject"]["achievement"]["name"] = "Expert·e en tout"
    run = ob3_verify(_write(tmp_path, "tampered.json", json.dumps(credential, ensure_ascii=False)), served)
    assert_invalid(run, "signature")
    jwt = _tampered_jwt(award.documents["ob3_jwt"]["fr"], "Expert·e en tout")
    assert_invalid(ob3_verify(_write(tmp_path, "tampered.jwt", jwt), served), "signature")


def test_a_revoked_badge_fails_the_status_check(served: Served, tmp_path: Path) -> None:
    award = _revoked_award(served)
    for name, content in (
        ("revoked.json", json.dumps(award.documents["ob3"]["fr"], ensure_ascii=False)),
        ("revoked.jwt", award.documents["ob3_jwt"]["fr"]),
    ):
        run = ob3_verify(_write(tmp_path, name, content), served)
        assert_invalid(run, "status")
        assert run.failed == ["status"], f"only the status should fail{run}"


def test_an_expired_badge_fails_the_validity_period(served: Served, tmp_path: Path) -> None:
    award = _award(served, "interop/expiring")
    run = ob3_verify(_write(tmp_path, "expired.json", json.dumps(award.documents["ob3"]["fr"])), served)
    assert_invalid(run, "validity-period")
    assert run.failed == ["validity-period"], f"only the validity period should fail{run}"


# --------------------------------------------------------------------------------------------- OB 2.0


def test_the_hosted_ob2_assertion_passes_validator_core(served: Served) -> None:
    award = _award(served, "hetis-initial/module/M1")
    run = ob2_validate(services_urls(served, award)["ob2_assertion_url"], served)
    assert_valid(run)
    achievement_path = f"/badges/classes/{award.achievement.uuid}"
    for path in (f"/badges/assertions/{award.uuid}", achievement_path, "/badges/issuer"):
        assert path in run.fetched, f"validator-core did not fetch {path}{run}"


def test_the_signed_ob2_assertion_passes_validator_core(served: Served, tmp_path: Path) -> None:
    award = _award(served, "hetis-initial/module/M1")
    run = ob2_validate(_write(tmp_path, "badge.jws", award.documents["ob2_jws"]), served)
    assert_valid(run)
    baked = _write(tmp_path, "badge-ob2.png", _get(served, f"/badges/awards/{award.uuid}/badge-ob2.png"))
    assert_valid(ob2_validate(baked, served))


def test_a_revoked_ob2_badge_is_refused_hosted_and_signed(served: Served, tmp_path: Path) -> None:
    award = _revoked_award(served)
    hosted = ob2_validate(served.url(f"/badges/assertions/{award.uuid}"), served)
    assert_invalid(hosted, "hosted-revoked")
    signed = ob2_validate(_write(tmp_path, "revoked.jws", award.documents["ob2_jws"]), served)
    assert_invalid(signed, "validator-core")
    assert "has been revoked in RevocationList" in signed.messages, f"expected the revocation{signed}"


# --------------------------------------------------------------------------------------------- helpers


def services_urls(served: Served, award: Award) -> dict[str, str]:
    with served.app.app_context():
        return services.award_urls(award)


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]
