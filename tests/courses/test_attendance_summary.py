"""A trainee's attendance summary (récapitulatif de présence, PDF): what it says, in French and English, and who
may download it (the trainee, the coordinators and the cohort's trainers; nobody else)."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from core.db import db
from courses import services
from courses.models import HoursEntry
from tests.courses.conftest import placement_with_hours

LINK = re.compile(r'href="(/enrolments/[0-9a-f-]+/attendance\.pdf)"')


def pdf_text(data: bytes) -> str:
    """The PDF's text on one line, every run of white space (line breaks, no-break spaces) as one space."""
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"\s+", " ", text)


@pytest.fixture
def chloe(cohort, make_tutor):
    """Chloé's four past half-days: present, late (2 h 15 of 3 h), excused, absent; 14 h of practice confirmed
    and 7 h waiting for the referent."""
    enrolment = cohort.enrolments[2]
    marks = [("present", None), ("late", 135), ("excused", None), ("absent", None)]
    for session, (status, minutes) in zip(cohort.past, marks, strict=True):
        services.save_roster(session, {enrolment.id: services.MarkInput(status, minutes)}, cohort.trainer, None)
    tutor = make_tutor("referente@example.org")
    _placement, entries = placement_with_hours(enrolment, tutor, "Structure Test", 420, 420, 420)
    for entry in entries[:2]:
        services.review_hours(db.session.get(HoursEntry, entry.id), "confirmed", by=tutor)
    db.session.commit()
    return enrolment


def test_a_trainee_downloads_her_summary_from_her_training_page(cohort, chloe, client_for):
    client = client_for(cohort.trainees[2])
    page = client.get("/my/training").get_data(as_text=True)
    assert "Télécharger le récapitulatif de ma présence (PDF)" in page
    url = LINK.search(page).group(1)
    assert url == f"/enrolments/{chloe.uuid}/attendance.pdf"
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    assert "chloe-lambert" in response.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.data))
    assert "Chloé Lambert" in reader.metadata.title
    assert reader.trailer["/Root"]["/Lang"] == "fr"
    assert "/StructTreeRoot" in reader.trailer["/Root"]  # tagged

    text = pdf_text(response.data)
    assert "Récapitulatif de présence — Chloé Lambert" in text
    assert cohort.cohort.code in text
    first = cohort.past[0].on
    assert f"{first.day} " in text and str(first.year) in text
    for label in ("Présent·e", "Arrivée tardive", "Absence justifiée", "Absence", "À venir"):
        assert label in text, label
    # 3 h + 2 h 15 attended out of 4 × 3 h counted: 43.75 %, floored to 43,7 % (threshold 75 %)
    assert "5 h 15" in text and "12 h" in text
    assert "43,7 %" in text and "seuil : 75 %" in text
    assert "Présence en dessous du seuil pour l'instant." in text
    assert "14 h" in text and "140 h" in text  # practice confirmed, target
    assert "7 h déclarées attendent la confirmation" in text
    assert "absent·e" not in text.lower()  # an absence, never "absent·e"


def test_the_summary_speaks_english_to_an_english_speaker(cohort, chloe, client_for):
    client = client_for(cohort.trainees[2])
    client.post("/language", data={"lang": "en", "next": "/"})
    response = client.get(f"/enrolments/{chloe.uuid}/attendance.pdf")
    assert response.status_code == 200
    assert PdfReader(io.BytesIO(response.data)).trailer["/Root"]["/Lang"] == "en"
    text = pdf_text(response.data)
    assert "Attendance summary — Chloé Lambert" in text
    for label in ("Present", "Late arrival", "Excused absence", "Coming", "Attendance below the threshold"):
        assert label in text, label
    assert "43.7 %" in text or "43.7%" in text


def test_staff_of_the_cohort_download_it_from_the_enrolment_page(cohort, chloe, client_for, admin):
    for user in (cohort.trainer, admin):
        client = client_for(user)
        page = client.get(f"/enrolments/{chloe.uuid}").get_data(as_text=True)
        url = LINK.search(page).group(1)
        response = client.get(url)
        assert response.status_code == 200, user.email
        assert "Chloé Lambert" in pdf_text(response.data)


def test_nobody_else_gets_a_trainees_summary(cohort, chloe, client_for, build_cohort, make_tutor, client):
    url = f"/enrolments/{chloe.uuid}/attendance.pdf"
    alice = client_for(cohort.trainees[0])
    assert alice.get(url).status_code == 403  # another trainee of the same cohort
    other = build_cohort("PROMO-AUTRE", trainees=1)
    assert client_for(other.trainer).get(url).status_code == 403  # a trainer of another cohort
    assert client_for(other.trainee).get(url).status_code == 403
    assert client_for(make_tutor("autre.referente@example.org")).get(url).status_code == 403
    assert client.get(url).status_code == 302  # anonymous: to the login page
    assert alice.get("/enrolments/00000000-0000-0000-0000-000000000000/attendance.pdf").status_code == 404


def test_the_summary_speaks_dutch_to_a_dutch_speaker(cohort, chloe, client_for):
    client = client_for(cohort.trainees[2])
    client.post("/language", data={"lang": "nl", "next": "/"})
    page = client.get("/my/training").get_data(as_text=True)
    assert "Het overzicht van mijn aanwezigheden downloaden (pdf)" in page
    response = client.get(f"/enrolments/{chloe.uuid}/attendance.pdf")
    assert response.status_code == 200
    assert PdfReader(io.BytesIO(response.data)).trailer["/Root"]["/Lang"] == "nl"
    text = pdf_text(response.data)
    assert "Overzicht van de aanwezigheden — Chloé Lambert" in text
    for label in ("Aanwezig", "Te laat gekomen", "Gewettigde afwezigheid", "Komt nog"):
        assert label in text, label
    assert "43,7%" in text  # Dutch (Belgian) decimals, CLDR percent without a space
    assert "2 u 15" in text  # the late arrival's time, the Belgian way
    assert "Présent" not in text and "Absence excusée" not in text
