"""Issuing, revoking and re-issuing badges: what is signed verifies, what is stored never changes, and a person
never holds two active copies of one badge."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from jsonschema import Draft201909Validator
from referencing import Registry, Resource

from badges import keys, openbadges, services, signing
from badges.models import Award, KeyKind, StateVersion
from core.db import db, utcnow
from core.models import AuditEntry, OutboxMessage
from core.services import ServiceError
from tests.badges.conftest import SPEC

SCHEMAS = Path(__file__).resolve().parents[2] / "badges" / "schemas" / "ob3"


def _resolver(issuer):
    def resolve(method: str):
        return signing.resolve_did_key(method)

    return resolve


def _schema_validator() -> Draft201909Validator:
    resources = []
    for path in SCHEMAS.glob("*.json"):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((contents["$id"], Resource.from_contents(contents)))
    registry = Registry().with_resources(resources)
    achievement_schema = json.loads((SCHEMAS / "achievementcredential.json").read_text(encoding="utf-8"))
    registry = registry.with_resource(openbadges.OB3_SCHEMA_URL, Resource.from_contents(achievement_schema))
    return Draft201909Validator(achievement_schema, registry=registry)


def test_an_issued_badge_carries_signed_documents_that_verify(award, issuer):
    docs = award.documents
    assert set(docs) == {"ob3", "ob3_jwt", "ob2", "ob2_jws"}
    for lang in ("fr", "en"):
        credential = docs["ob3"][lang]
        assert signing.verify_proof(credential, _resolver(issuer)) == []
        assert credential["credentialSubject"]["achievement"]["inLanguage"] == lang
        decoded, problems = signing.verify_vc_jwt(docs["ob3_jwt"][lang], signing.resolve_did_key)
        assert problems == [] and decoded["id"] == credential["id"]
        assert list(_schema_validator().iter_errors(credential)) == []
        openbadges.assert_no_life_history(credential)
    rsa_key = keys.active_key(issuer, KeyKind.RSA)
    signed = signing.verify_jws(docs["ob2_jws"], rsa_key.public_key)
    assert signed["verification"]["creator"].endswith(f"/badges/keys/{rsa_key.uuid}")
    assert docs["ob2"]["id"].endswith(f"/badges/assertions/{award.uuid}")


def test_the_recipient_is_a_salted_hash_and_no_name_by_default(award, holder):
    credential = award.documents["ob3"]["fr"]
    text = json.dumps(award.documents, ensure_ascii=False)
    assert holder.legal_name not in text and holder.email.lower() not in text.lower()
    identity = credential["credentialSubject"]["identifier"][0]
    assert openbadges.email_matches("camille.dupont@example.org", identity["identityHash"], identity["salt"])
    assert award.visibility == "unlisted" and award.display_name is None
    assert credential["credentialSubject"]["id"].startswith("urn:uuid:")


def test_issuing_is_idempotent_and_the_database_refuses_a_second_active_copy(award, achievement, holder):
    again, created = services.issue(achievement, holder)
    assert (again.id, created) == (award.id, False)
    twin = Award(
        achievement=achievement,
        issuer=award.issuer,
        recipient_id=holder.id,
        key=award.key,
        status_index=(award.status_index + 1) % services.STATUS_LIST_BITS,
        issued_at=award.issued_at,
        earned_at=award.earned_at,
        documents={},
    )
    db.session.add(twin)
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_holder_is_told_in_their_language(award, holder):
    message = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.purpose == "badge-issued"))
    assert message.recipient == holder.email
    assert "Accompagnement et compétences relationnelles" in message.subject
    assert f"/me/badges/{award.uuid}" in message.body


def test_revocation_sets_the_status_bit_at_once(award, issuer):
    key = award.key
    before = services.status_list_document(key)
    assert signing.verify_proof(before, signing.resolve_did_key) == []
    encoded = before["credentialSubject"]["encodedList"]
    assert not openbadges.is_revoked(encoded, award.status_index)
    services.revoke(award, "Issued in error")
    db.session.commit()
    after = services.status_list_document(key)
    assert signing.verify_proof(after, signing.resolve_did_key) == []
    assert openbadges.is_revoked(after["credentialSubject"]["encodedList"], award.status_index)
    assert after["issuer"] == award.documents["ob3"]["fr"]["issuer"]["id"]
    listed = services.revocation_list_document(issuer)["revokedAssertions"]
    assert {"id": f"urn:uuid:{award.uuid}", "revocationReason": "Issued in error"} in listed
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "badge.revoked"))
    assert entry.object_id == str(award.uuid)


@pytest.mark.parametrize("reason", ["", "   ", "Rechute après la formation", "x" * 201])
def test_a_revocation_reason_is_required_short_and_neutral(award, reason):
    with pytest.raises(ServiceError):
        services.revoke(award, reason)
    assert award.revoked_at is None


def test_going_public_reissues_with_the_name_and_supersedes_the_unnamed_copy(award, holder):
    new = services.set_visibility(award, "public", holder)
    db.session.commit()
    assert new.id != award.id and award.superseded_by_id == new.id
    assert award.status(datetime.now(UTC)) == "superseded"
    names = [i for i in new.documents["ob3"]["fr"]["credentialSubject"]["identifier"] if i["identityType"] == "name"]
    expected = {"type": "IdentityObject", "identityHash": "Camille Dupont", "identityType": "name", "hashed": False}
    assert names == [expected]
    back = services.set_visibility(new, "unlisted", holder)
    db.session.commit()
    assert back.display_name is None and new.superseded_by_id == back.id
    assert [a.id for a in services.awards_of(holder)] == [back.id]


def test_declining_hides_without_revoking(award, holder):
    same = services.set_visibility(award, "declined", holder)
    assert same.id == award.id and same.visibility == "declined" and same.revoked_at is None
    assert services.awards_of(holder, include_declined=False) == []


def test_expiry_comes_from_the_achievement(issuer, holder):
    achievement = services.sync_achievement(
        services.AchievementSpec(**{**SPEC.__dict__, "key": "test/short", "valid_for_days": 365}), issuer
    )
    award, _ = services.issue(achievement, holder, now=datetime.now(UTC) - timedelta(days=400))
    assert award.status(datetime.now(UTC)) == "expired"
    assert award.documents["ob3"]["fr"]["validUntil"] == openbadges.xsd_datetime(award.valid_until)
    assert award.documents["ob2"]["expires"] == openbadges.xsd_datetime(award.valid_until)


def test_a_reissue_keeps_the_original_validity(issuer, holder):
    achievement = services.sync_achievement(
        services.AchievementSpec(**{**SPEC.__dict__, "key": "test/yearly", "valid_for_days": 365}), issuer
    )
    award, _ = services.issue(achievement, holder, now=datetime.now(UTC) - timedelta(days=300))
    public = services.set_visibility(award, "public", holder)  # named 300 days later: same end of validity
    db.session.commit()
    assert public.valid_until == award.valid_until and public.issued_at > award.issued_at
    assert public.documents["ob3"]["fr"]["validUntil"] == openbadges.xsd_datetime(award.valid_until)


def test_badge_text_about_a_life_history_is_refused(issuer):
    spec = services.AchievementSpec(**{**SPEC.__dict__, "key": "test/bad", "name": {"fr": "Santé mentale", "en": "x"}})
    with pytest.raises(ServiceError, match="santé mentale"):
        services.sync_achievement(spec, issuer)


def test_issued_documents_never_change_when_the_issuer_does(award, issuer):
    before = json.dumps(award.documents, sort_keys=True)
    issuer.name = "Nouveau nom"
    keys.rotate(issuer, KeyKind.ED25519)
    db.session.commit()
    db.session.refresh(award)
    assert json.dumps(award.documents, sort_keys=True) == before
    assert signing.verify_proof(award.documents["ob3"]["fr"], signing.resolve_did_key) == []


def test_no_keys_no_badge(app, holder):
    issuer = keys.ensure_issuer("X", "https://x.example.org", "x@example.org")
    achievement = services.sync_achievement(SPEC, issuer)
    with pytest.raises(ServiceError, match="keys"):
        services.issue(achievement, holder)


# ------------------------------------------------------------------------------------------------ issue_many


def _trainees(create_user, count: int) -> list:
    return [
        create_user(roles=("trainee",), email=f"batch{i}@example.org", legal_name=f"Batch {i}") for i in range(count)
    ]


def test_issue_many_issues_each_badge_once_with_distinct_random_slots(achievement, create_user):
    people = _trainees(create_user, 6)
    due = [(achievement, person, f"test:{i}") for i, person in enumerate(people)]
    results = services.issue_many(due)
    db.session.commit()
    assert [created for _award, created in results] == [True] * 6
    awards = [award for award, _created in results]
    assert [a.recipient_id for a in awards] == [p.id for p in people]
    assert len({a.status_index for a in awards}) == 6 and len({a.uuid for a in awards}) == 6
    for award, person in zip(awards, people, strict=True):
        assert award.context_ref == f"test:{people.index(person)}"
        identity = award.documents["ob3"]["fr"]["credentialSubject"]["identifier"][0]
        assert openbadges.email_matches(person.email, identity["identityHash"], identity["salt"])
        credential = award.documents["ob3"]["en"]
        assert signing.verify_proof(credential, _resolver(award.issuer)) == []
        assert credential["credentialStatus"]["statusListIndex"] == str(award.status_index)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 6
    issued = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "badge.issued")).all()
    assert {entry.object_id for entry in issued} == {str(a.uuid) for a in awards}


def test_issue_many_is_idempotent_and_handles_repeats(achievement, create_user):
    people = _trainees(create_user, 3)
    first, _created = services.issue(achievement, people[0])
    db.session.commit()
    due = [(achievement, people[0], None), (achievement, people[1], None), (achievement, people[1], None)]
    results = services.issue_many(due)
    db.session.commit()
    assert results[0] == (first, False)
    assert results[1][1] is True and results[2] == (results[1][0], False)
    again = services.issue_many([(achievement, p, None) for p in people])
    assert [created for _a, created in again] == [False, False, True]
    assert again[0][0] is first and again[1][0] is results[1][0]
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Award)) == 3


def test_issue_many_falls_back_to_one_by_one_when_a_slot_was_taken_meanwhile(achievement, create_user, monkeypatch):
    people = _trainees(create_user, 3)
    taken, _created = services.issue(achievement, people[0])
    db.session.commit()
    # As if another process had taken the slots drawn for this batch between the draw and the write.
    draw, draws = services._free_status_indexes, []

    def first_draw_taken(key, count):
        draws.append(count)
        return [taken.status_index] * count if len(draws) == 1 else draw(key, count)

    monkeypatch.setattr(services, "_free_status_indexes", first_draw_taken)
    results = services.issue_many([(achievement, p, None) for p in people])
    db.session.commit()
    assert results[0] == (taken, False) and all(created for _a, created in results[1:])
    assert len({award.status_index for award, _c in results}) == 3
    assert draws == [2, 1, 1]  # the batch of two, then one badge at a time


def test_issue_many_refuses_a_retired_badge(achievement, create_user):
    achievement.retired = True
    with pytest.raises(ServiceError):
        services.issue_many([(achievement, _trainees(create_user, 1)[0], None)])


def test_a_state_changed_by_another_server_is_seen_within_a_second(award, monkeypatch):
    """Each process remembers badge states and asks one number (has any badge changed?) at most every half
    second. Another server's revocation — simulated here by writing the database behind this process's back,
    as that server's ``revoke`` does — shows once the half-second has passed, and not before."""
    clock = [1000.0]
    monkeypatch.setattr(services.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(services, "_MEMOS", list(services._MEMOS))
    memo = services.badge_memo({})  # e.g. the served documents: they go with the states
    services.forget_states()
    memo[award.uuid] = "the stored document, as served"
    db.session.commit()
    assert services.award_state(award.uuid).revoked is False
    db.session.commit()
    with db.engine.begin() as other_server:
        other_server.execute(
            sa.update(Award)
            .where(Award.id == award.id)
            .values(revoked_at=utcnow(), revocation_reason="Issued in error")
        )
        other_server.execute(sa.update(StateVersion).values(version=StateVersion.version + 1))
    db.session.expire_all()
    clock[0] += services.STATE_TTL_SECONDS / 2
    assert services.award_state(award.uuid).revoked is False  # remembered for at most half a second
    clock[0] += services.STATE_TTL_SECONDS
    state = services.award_state(award.uuid)
    assert state.revoked is True and state.reason == "Issued in error"
    assert memo == {}


def test_every_state_change_bumps_the_version_and_unknown_badges_are_not_remembered(award, holder):
    def version():
        return db.session.scalar(sa.select(StateVersion.version))

    before = version()
    services.set_visibility(award, "declined", holder)
    assert version() > before
    services.set_visibility(award, "unlisted", holder)
    after_visibility = version()
    assert after_visibility > before
    services.revoke(award, "Issued in error")
    assert version() > after_visibility
    db.session.execute(sa.delete(StateVersion))  # a database emptied by hand: the next change recreates the row
    new, _created = services.issue(award.achievement, holder)
    services.revoke(new, "Issued in error")
    assert version() == 1
    unknown = uuid.uuid4()
    assert services.award_state(unknown) is None
    assert unknown not in services._STATE
