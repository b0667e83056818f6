"""Skills others understand: alignments to external frameworks (ESCO, ROME, RNCP…), the kinds of evidence and a
partner's endorsement travel in the OB 3.0 credentials, valid against the official schemas, and the verification
page says them in words. Evidence content (comments, files) never reaches a credential."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from jsonschema import Draft201909Validator
from referencing import Registry, Resource

from badges import openbadges
from badges import services as badge_services
from badges.models import Award, Endorsement
from core.db import db
from courses import awarding, services
from courses.models import Competency
from courses.programme_spec import PROGRAMMES_DIR, load_programme_file
from tests.courses.conftest import PEOPLE, tiny_png

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "badges" / "schemas" / "ob3"
PROGRAMME = "hetis-aligned"
ESCO = {
    "framework": "esco",
    "url": "http://data.europa.eu/esco/skill/11111111-2222-4333-8444-555555555555",
    "name": {"fr": "Établir une relation de confiance", "en": "Build trust", "nl": "Vertrouwen opbouwen"},
}
ROME = {
    "framework": "rome",
    "code": "K1234",
    "url": "https://rome.example.org/fiche/K1234",
    "name": {"fr": "Fiche de test", "en": "Test fiche", "nl": "Testfiche"},
}
RNCP = {
    "framework": "rncp",
    "code": "RNCP12345",
    "url": "https://rncp.example.org/RNCP12345",
    "name": {"fr": "Titre de test", "en": "Test title", "nl": "Testtitel"},
}
SECRET_COMMENT = "Elle a raconté son hospitalisation de 2019"
SECRET_FILE = "recit-personnel-camille.png"


@pytest.fixture
def aligned(tmp_path, issuer, build_cohort):
    """hetis-initial under another id, with a ROME fiche on module M2, an ESCO skill on C-M2-03 and an RNCP title
    on the programme badge; a cohort of it, and Alice's M2 competencies validated with a comment and a file."""
    data = yaml.safe_load((PROGRAMMES_DIR / "hetis-initial.yaml").read_text(encoding="utf-8"))
    data["id"] = PROGRAMME
    m2 = next(m for m in data["modules"] if m["code"] == "M2")
    m2["alignments"] = [ROME]
    next(c for c in m2["competencies"] if c["code"] == "C-M2-03")["alignments"] = [ESCO]
    data["badges"]["alignments"] = [RNCP]
    path = tmp_path / f"{PROGRAMME}.yaml"
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    programme, _ = services.load_programme(load_programme_file(path), text)
    awarding.sync_achievements(programme)
    db.session.commit()
    world = build_cohort("PROMO-ALIGN", trainees=PEOPLE, email_prefix="align", programme=programme)
    competencies = db.session.scalars(
        sa.select(Competency).where(Competency.programme_id == programme.id, Competency.code.startswith("C-M2-"))
    )
    for competency in competencies:
        services.validate_competency(
            world.enrolment,
            competency,
            world.trainer,
            competency.evidence_types[0],
            date.today() - timedelta(days=1),
            SECRET_COMMENT,
            file=(SECRET_FILE, tiny_png()) if "E-RECIT" not in competency.evidence_types else None,
        )
    db.session.commit()
    return world


def _validator(name: str, url: str | None = None) -> Draft201909Validator:
    registry: Registry = Registry()
    for path in sorted(SCHEMA_DIR.glob("*.json")):
        resource = Resource.from_contents(json.loads(path.read_text(encoding="utf-8")))
        registry = registry.with_resource(resource.id(), resource)
    schema = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
    return Draft201909Validator(schema, registry=registry)


def _issued(world, key: str) -> Award:
    awarding.issue_due([world.cohort], date.today())
    db.session.commit()
    achievement = badge_services.achievement_by_key(key)
    award = badge_services.active_award(world.trainee, achievement)
    assert award is not None, f"{key} was not issued"
    return award


def test_the_module_badge_carries_its_alignments_and_evidence_kinds(aligned):
    award = _issued(aligned, f"{PROGRAMME}/module/M2")
    credential = award.documents["ob3"]["fr"]
    alignments = {a["targetUrl"]: a for a in credential["credentialSubject"]["achievement"]["alignment"]}
    rome = alignments[ROME["url"]]
    assert rome == {
        "type": ["Alignment"],
        "targetName": "Fiche de test",
        "targetUrl": ROME["url"],
        "targetCode": "K1234",
        "targetFramework": "ROME",
        "targetType": "ext:ROMEOccupation",
    }
    esco = alignments[ESCO["url"]]
    assert (esco["targetFramework"], esco["targetType"], esco["targetName"]) == (
        "ESCO",
        "ext:ESCOSkill",
        "Établir une relation de confiance",
    )
    assert "targetCode" not in esco
    assert RNCP["url"] not in alignments  # the RNCP title is the programme badge's, not the module's
    own = [a for a in alignments.values() if "targetType" not in a]
    assert own and all(f"/referentiel/{PROGRAMME}#C-M2-" in a["targetUrl"] for a in own)
    assert award.documents["ob3"]["en"]["credentialSubject"]["achievement"]["alignment"][len(own)]["targetName"] == (
        "Test fiche"
    )

    evidence = credential["evidence"]
    assert evidence and all(set(e) == {"type", "name", "description", "genre"} for e in evidence)
    assert {e["genre"] for e in evidence} >= {"Observation"}
    assert all(e["type"] == ["Evidence"] for e in evidence)
    assert "Grille d'observation en mise en situation / jeu de rôle" in {e["name"] for e in evidence}
    for lang, document in award.documents["ob3"].items():
        errors = sorted(_validator("achievementcredential.json").iter_errors(document), key=str)
        assert errors == [], (lang, [e.message for e in errors])


def test_no_evidence_content_ever_reaches_a_credential(aligned):
    award = _issued(aligned, f"{PROGRAMME}/module/M2")
    skills = [a for a in badge_services.awards_of(aligned.trainee) if a.achievement.kind == "skill"]
    assert skills, "the skill badges of M2 were not issued"
    for held in (award, *skills):
        text = json.dumps(held.documents, ensure_ascii=False)
        for secret in (SECRET_COMMENT, "hospitalisation", SECRET_FILE, "recit-personnel"):
            assert secret not in text, (held.achievement.key, secret)
        for lang, credential in held.documents["ob3"].items():
            for entry in credential.get("evidence", []):
                assert set(entry) == {"type", "name", "description", "genre"}, (lang, entry)
                assert "biograph" not in entry["name"].lower()  # E-RECIT is never listed as evidence


def test_the_programme_badge_carries_the_rncp_title(aligned):
    achievement = badge_services.achievement_by_key(f"{PROGRAMME}/programme")
    document = openbadges.ob3_achievement(badge_services.as_dataclass(achievement), "nl")
    rncp = next(a for a in document["alignment"] if a.get("targetFramework") == "RNCP")
    assert (rncp["targetCode"], rncp["targetType"], rncp["targetName"]) == (
        "RNCP12345",
        "ext:RNCPCertification",
        "Testtitel",
    )


def test_the_verification_page_says_the_alignments_and_evidence_in_words(aligned, client):
    award = _issued(aligned, f"{PROGRAMME}/module/M2")
    page = client.get(f"/verify/{award.uuid}?lang=fr").get_data(as_text=True)
    assert "Compétence ESCO : Établir une relation de confiance" in page
    assert "Fiche ROME K1234 : Fiche de test" in page
    assert f'href="{ROME["url"]}"' in page
    assert "Types de preuves examinées" in page
    assert "Grille d&#39;observation en mise en situation / jeu de rôle" in page
    english = client.get(f"/verify/{award.uuid}?lang=en").get_data(as_text=True)
    assert "ESCO skill: Build trust" in english and "ROME fiche K1234: Test fiche" in english


def test_a_partner_endorses_a_badge_from_the_command_line(aligned, runner, client):
    key = f"{PROGRAMME}/skill/B-LIEN"
    args = ["badges", "endorse", key, "--partner", "Maison des Possibles", "--url", "https://maison.example.org"]
    result = runner.invoke(args=[*args, "--comment", "Nous accueillons ses stagiaires en confiance."])
    assert result.exit_code == 0, result.output
    award = _issued(aligned, key)
    achievement = award.documents["ob3"]["fr"]["credentialSubject"]["achievement"]
    (endorsement,) = achievement["endorsement"]
    assert endorsement["type"] == ["VerifiableCredential", "EndorsementCredential"]
    assert endorsement["issuer"] == {
        "id": "https://maison.example.org",
        "type": ["Profile"],
        "name": "Maison des Possibles",
        "url": "https://maison.example.org",
    }
    assert endorsement["credentialSubject"]["id"] == achievement["id"]
    assert endorsement["credentialSubject"]["endorsementComment"] == "Nous accueillons ses stagiaires en confiance."
    assert "proof" not in endorsement  # the partner holds no key: Tremplin does not sign in its name
    assert sorted(_validator("endorsementcredential.json").iter_errors(endorsement), key=str) == []
    assert sorted(_validator("achievementcredential.json").iter_errors(award.documents["ob3"]["fr"]), key=str) == []
    page = client.get(f"/verify/{award.uuid}?lang=fr").get_data(as_text=True)
    assert "Recommandé par" in page and "Maison des Possibles" in page
    assert "Nous accueillons ses stagiaires en confiance." in page
    assert "Le partenaire ne l'a pas signé lui-même." in page


@pytest.mark.parametrize(
    ("partner", "url", "comment", "message"),
    [
        ("", "https://maison.example.org", "Très bien.", "partner's name"),
        ("Maison", "http://maison.example.org", "Très bien.", "https://"),
        ("Maison", "maison.example.org", "Très bien.", "https://"),
        ("Maison", "https://maison.example.org", " ", "partner's comment"),
        ("Maison", "https://maison.example.org", "x" * 501, "500"),
        ("Maison", "https://maison.example.org", "Une ancienne toxicomane très fiable.", "skills only"),
    ],
)
def test_a_wrong_endorsement_is_refused_and_records_nothing(aligned, runner, partner, url, comment, message):
    key = f"{PROGRAMME}/skill/B-LIEN"
    result = runner.invoke(args=["badges", "endorse", key, "--partner", partner, "--url", url, "--comment", comment])
    assert result.exit_code != 0
    assert message in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Endorsement)) == 0


def test_endorsing_an_unknown_badge_says_so(aligned, runner):
    result = runner.invoke(
        args=[
            "badges",
            "endorse",
            "nope/skill/B-X",
            "--partner",
            "M",
            "--url",
            "https://m.example.org",
            "--comment",
            "Oui.",
        ]
    )
    assert result.exit_code != 0 and "No badge 'nope/skill/B-X'" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Endorsement)) == 0
