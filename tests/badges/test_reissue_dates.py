"""A re-issued badge keeps the day it was earned (issue 13, item 5).

A badge is re-issued — a new copy signed, the old one superseded — when its holder makes it public with their
name (or private again), when a coordinator re-issues it, and its named copies are signed again without the name
when the person's data is erased. Every copy says the day the badge was earned: OB 3.0 ``validFrom`` (and the
VC-JWT ``nbf``), OB 2.0 ``issuedOn`` (hosted and signed), the verification page, the holder's pages and the
register. Only the proof's ``created`` (when this document was signed) says the day of the re-issue.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from babel.dates import format_date

from badges import keys, openbadges, services, signing
from badges.models import Award, KeyKind
from core.db import db
from core.privacy import services as privacy_services
from tests.conftest import PASSWORD

EARNED = datetime(2026, 3, 12, 15, 30, tzinfo=UTC)
LATER = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
EARNED_FR = format_date(EARNED.date(), "long", locale="fr")  # 12 mars 2026
LATER_FR = format_date(LATER.date(), "long", locale="fr")


@pytest.fixture
def earned(achievement, holder) -> Award:
    award, created = services.issue(achievement, holder, now=EARNED)
    assert created
    db.session.commit()
    return award


def assert_dated_as_earned(award: Award, signed_at: datetime | None) -> None:
    """Every document of ``award`` is dated the day it was earned; its proofs were made at ``signed_at``."""
    earned_on = openbadges.xsd_datetime(EARNED)
    assert award.earned_at == EARNED
    documents = award.documents
    assert set(documents["ob3"]) == set(openbadges.editions(services.as_dataclass(award.achievement)))
    for lang in documents["ob3"]:
        credential = documents["ob3"][lang]
        assert credential["validFrom"] == earned_on, lang
        if signed_at is not None:
            assert credential["proof"][-1]["created"] == openbadges.xsd_datetime(signed_at), lang
        assert signing.verify_proof(credential, lambda method: signing.resolve_did_key(method)) == []
        decoded, problems = signing.verify_vc_jwt(documents["ob3_jwt"][lang], signing.resolve_did_key)
        assert problems == [] and decoded["validFrom"] == earned_on  # nbf = validFrom, checked by verify_vc_jwt
    assert documents["ob2"]["issuedOn"] == earned_on
    rsa = keys.active_key(award.issuer, KeyKind.RSA)
    assert signing.verify_jws(documents["ob2_jws"], rsa.public_key)["issuedOn"] == earned_on


def assert_pages_say_earned(client, award: Award, holder, login_as) -> None:
    verify = client.get(f"/verify/{award.uuid}").get_data(as_text=True)
    assert EARNED_FR in verify and LATER_FR not in verify
    assert client.post("/login", data={"email": holder.email, "password": PASSWORD}).status_code == 302
    for path in ("/me/badges", f"/me/badges/{award.uuid}"):
        page = client.get(path).get_data(as_text=True)
        assert EARNED_FR in page and LATER_FR not in page, path
    client.post("/logout")
    login_as("admin")
    register = client.get("/admin/badges").get_data(as_text=True)
    assert format_date(EARNED.date(), "short", locale="fr") in register
    entry = client.get(f"/admin/badges/{award.uuid}").get_data(as_text=True)
    assert EARNED_FR in entry or "12/03/2026" in entry


def test_made_public_with_the_name_the_new_copy_keeps_the_day_it_was_earned(earned, holder, client, login_as):
    public = services.set_visibility(earned, "public", holder, now=LATER)
    db.session.commit()
    assert public.id != earned.id and earned.superseded_by_id == public.id
    assert public.issued_at == LATER  # the copy was signed on the day it was made public
    assert_dated_as_earned(public, signed_at=LATER)
    assert_pages_say_earned(client, public, holder, login_as)
    back = services.set_visibility(public, "unlisted", holder, now=LATER.replace(month=10))
    db.session.commit()
    assert_dated_as_earned(back, signed_at=LATER.replace(month=10))


def test_a_coordinator_reissue_keeps_the_day_it_was_earned(earned, holder, create_user, client, login_as):
    coordinator = create_user(roles=("admin",), email="coordination@example.org")
    again = services.reissue(earned, by=coordinator, now=LATER)
    db.session.commit()
    assert again.issued_at == LATER
    assert_dated_as_earned(again, signed_at=LATER)
    assert_pages_say_earned(client, again, holder, login_as)


def test_after_erasure_the_copies_signed_again_keep_the_day_it_was_earned(earned, holder):
    public = services.set_visibility(earned, "public", holder, now=LATER)
    db.session.commit()
    public_uuid, earned_uuid = public.uuid, earned.uuid
    _record, done = privacy_services.erase(holder)
    db.session.commit()
    assert done
    for award_uuid in (public_uuid, earned_uuid):
        award = db.session.scalar(sa.select(Award).where(Award.uuid == award_uuid))
        assert award.display_name is None
        assert_dated_as_earned(award, signed_at=None)
    resigned = db.session.scalar(sa.select(Award).where(Award.uuid == public_uuid))
    created = datetime.fromisoformat(resigned.documents["ob3"]["fr"]["proof"][-1]["created"].replace("Z", "+00:00"))
    assert created > LATER  # signed again at the erasure, dated the day it was earned
