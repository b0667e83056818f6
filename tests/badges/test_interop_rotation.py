"""OB 2.0 after key rotation: the 1EdTech validator (validator-core) accepts every OB 2.0 presentation of our
badges — hosted, signed (JWS) and baked (PNG and SVG) — of a badge issued before a rotation and of one issued after
it, before any rotation and after one and two ``tremplin keys rotate --kind all`` (any number of retired keys).

Why it broke: the issuer Profile listed every RSA key ever used in ``publicKey``; after a rotation that became an
array, and validator-core reads ``publicKey`` as single-valued ("has more than the single allowed value"), so
every presentation failed, hosted ones included. Our own verifier said valid. It must agree with the reference
on every case, so each presentation also goes through :func:`badges.verify_views.verify_input`.

The app, its demo data and the loopback server are those of ``test_interop_app`` (one app for this module).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from badges import services
from badges.models import Achievement, Award
from badges.verify_views import verify_input
from core.db import db
from core.models import User
from tests.badges.test_interop import assert_invalid, assert_valid, ob2_validate
from tests.badges.test_interop_app import HOLDER, Served, _detached, _get, _write
from tests.badges.test_interop_app import served as app_site  # noqa: F401 - the module's fixture, one app here

pytestmark = pytest.mark.interop

PRESENTATIONS = ("hosted", "signed", "baked-png", "baked-svg")


def _present(served: Served, award: Award, form: str, tmp_path: Path) -> Path | str:
    """What a holder hands over, fetched from the app now: the hosted URL, the JWS, or a baked image."""
    if form == "hosted":
        return served.url(f"/badges/assertions/{award.uuid}")
    if form == "signed":
        return _write(tmp_path, f"{award.uuid}.jws", _get(served, f"/badges/assertions/{award.uuid}.jws"))
    ext = form.removeprefix("baked-")
    return _write(tmp_path, f"{award.uuid}-ob2.{ext}", _get(served, f"/badges/awards/{award.uuid}/badge-ob2.{ext}"))


def _ours(served: Served, target: Path | str):
    data = target if isinstance(target, str) else target.read_bytes()
    with served.app.app_context():
        return verify_input(data, HOLDER)


def _assert_all_valid(served: Served, awards: list[Award], tmp_path: Path, moment: str) -> None:
    for award in awards:
        for form in PRESENTATIONS:
            target = _present(served, award, form, tmp_path)
            run = ob2_validate(target, served)
            assert run.returncode == 0 and run.verdict.get("verdict") == "valid", (
                f"{moment}: the {form} presentation of {award.uuid} is refused by validator-core{run}"
            )
            assert_valid(run)
            verdict = _ours(served, target)
            assert verdict.valid, f"{moment}: our verifier disagrees on the {form} presentation of {award.uuid}"


def _issue_another(served: Served) -> Award:
    """A badge issued to the holder now (an achievement they do not hold yet)."""
    with served.app.app_context():
        holder = db.session.scalar(db.select(User).where(User.email == HOLDER))
        held = db.select(Award.achievement_id).where(Award.recipient_id == holder.id, Award.revoked_at.is_(None))
        achievement = db.session.scalar(
            db.select(Achievement)
            .where(Achievement.retired.is_(False), Achievement.id.not_in(held))
            .order_by(Achievement.id)
        )
        award, created = services.issue(achievement, holder, context_ref="interop-rotation", notify=False)
        assert created
        db.session.commit()
        return _detached(award)


def _rotate(served: Served) -> None:
    result = served.app.test_cli_runner().invoke(args=["keys", "rotate", "--kind", "all"])
    assert result.exit_code == 0, result.output
    with served.app.app_context():
        db.session.remove()


def _profile(served: Served) -> dict:
    with served.app.test_client() as client:
        return client.get("/badges/issuer", headers={"Accept": "application/ld+json"}).json


def test_every_ob2_presentation_passes_validator_core_across_key_rotations(
    app_site: Served,  # noqa: F811 - the imported fixture
    tmp_path: Path,
) -> None:
    served = app_site
    awards = [_issue_another(served)]
    old_copy = _get(served, f"/badges/assertions/{awards[0].uuid}.jws")  # a holder downloaded it before rotating
    _assert_all_valid(served, awards, tmp_path, "before any rotation")
    for rotation in (1, 2):
        _rotate(served)
        awards.append(_issue_another(served))
        _assert_all_valid(served, awards, tmp_path, f"after rotation {rotation}")
        profile = _profile(served)
        assert isinstance(profile["publicKey"], str), f"publicKey must name one key: {profile['publicKey']!r}"

    # A copy signed before the rotations names a retired key: the reference refuses it (the issuer no longer
    # authorises that key) and so do we; the copy the platform serves now was signed again with the current key.
    stale = _write(tmp_path, "stale.jws", old_copy)
    run = ob2_validate(stale, served)
    assert_invalid(run, "validator-core")
    assert "other than those authorized by issuer profile" in run.messages, f"expected the key refusal{run}"
    assert not _ours(served, stale).valid
