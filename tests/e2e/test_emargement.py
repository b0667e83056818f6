"""Émargement in a real browser (Debian's Chromium), in French, on a copy of the demo: the trainer shows the
rotating code, a trainee signs on her phone (360 px) from the code's link, a code 31 s old and a code of another
session are refused, the trainer's device is passed around, the trainer countersigns at the end and downloads the
signed sheet, a signature after the window is refused, and a session planned on a public holiday is flagged.

Time is the server's clock moved by the test (``app.extensions["tremplin.clock"]``), never a sleep. The sessions
are added to the demo's running promotion at 17:00 on the next working day, so no demo session is in the way.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid
from datetime import date, datetime, time, timedelta
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect
from pypdf import PdfReader

from core.db import db
from core.models import User
from courses import emargement, services
from courses import emargement_rules as rules
from courses.certificates import display_code
from courses.demo import COHORT_CODE
from courses.models import AttendanceSignature, Cohort, Countersignature, Enrolment, TrainingSession
from tests.e2e.conftest import DEMO_PASSWORD, Live, Pages, log_in, new_context

pytestmark = pytest.mark.e2e

BRUSSELS = ZoneInfo("Europe/Brussels")
TRAINER = "formatrice.paire@example.org"
COORDINATOR = "coordination@example.org"
AMINA, BRUNO, CHLOE, ELISE = (
    "amina.exemple@example.org",
    "bruno.fictif@example.org",
    "chloe.demo@example.org",
    "elise.fictive@example.org",
)
SMALL_PHONE = {"width": 360, "height": 740}


def working_day(start: date) -> date:
    day = start
    while day.weekday() >= 5 or rules.holiday_name(day, ["BE"]):
        day += timedelta(days=1)
    return day


class World:
    on: date
    evening: str = ""  # session 17:00–18:30
    late_evening: str = ""  # session 18:30–20:00, same cohort
    moment: datetime


W = World()


@pytest.fixture(scope="module")
def world(live: Live):
    """Two sessions of the running promotion, trained by the peer trainer, and a clock the test moves."""
    W.on = working_day(date.today() + timedelta(days=1))
    with live.app.app_context():
        cohort = db.session.scalar(sa.select(Cohort).where(Cohort.code == COHORT_CODE))
        trainer = db.session.scalar(sa.select(User).where(User.email == TRAINER))
        first = services.create_session(cohort, "M3", W.on, time(17), time(18, 30), trainers=[trainer], seats=20)
        second = services.create_session(cohort, "M3", W.on, time(18, 30), time(20), trainers=[trainer])
        db.session.commit()
        W.evening, W.late_evening = str(first.uuid), str(second.uuid)
        db.session.remove()
    W.moment = datetime.combine(W.on, time(16, 55), BRUSSELS)
    live.app.extensions[emargement.CLOCK] = lambda: W.moment
    yield W
    live.app.extensions.pop(emargement.CLOCK, None)


def at(hh: int, mm: int, ss: int = 0) -> None:
    W.moment = datetime.combine(W.on, time(hh, mm, ss), BRUSSELS)


def draw(page, selector: str = "canvas") -> None:
    """A signature drawn with the pointer, as a finger would."""
    canvas = page.locator(selector).first
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x, y = box["x"], box["y"]
    page.mouse.move(x + 20, y + box["height"] * 0.7)
    page.mouse.down()
    for i in range(1, 12):
        page.mouse.move(x + 20 + i * box["width"] * 0.07, y + box["height"] * (0.3 if i % 2 else 0.7), steps=3)
    page.mouse.up()


def shown_code(page) -> str:
    return page.locator("#rotating-code").get_attribute("data-code")


def signatures(live: Live, session_uuid: str) -> list[tuple[str, str, bool]]:
    with live.app.app_context():
        rows = db.session.execute(
            sa.select(User.email, AttendanceSignature.method, AttendanceSignature.late)
            .join(Enrolment, Enrolment.id == AttendanceSignature.enrolment_id)
            .join(User, User.id == Enrolment.user_id)
            .join(TrainingSession, TrainingSession.id == AttendanceSignature.session_id)
            .where(TrainingSession.uuid == uuid.UUID(session_uuid))
            .order_by(AttendanceSignature.id)
        ).all()
        db.session.remove()
    return [tuple(r) for r in rows]


@pytest.fixture(scope="module")
def trainer_page(browser, live: Live, world):
    context = new_context(browser, live.url)
    page = context.new_page()
    log_in(page, TRAINER, DEMO_PASSWORD)
    yield page
    context.close()


def phone(browser, live: Live, email: str):
    context = new_context(browser, live.url, viewport=SMALL_PHONE, has_touch=True, is_mobile=True)
    page = context.new_page()
    log_in(page, email, DEMO_PASSWORD)
    return context, page


def step_01_trainee_signs_on_her_phone_with_the_rotating_code(browser, live: Live, world, trainer_page, pages: Pages):
    at(16, 50)
    trainer_page.goto(f"/sessions/{W.evening}/emargement")
    expect(trainer_page.locator("#rotating-qr")).to_be_visible()
    code = shown_code(trainer_page)
    assert len(code) == 6
    pages.check(trainer_page, "e1-trainer-rotating-code")
    # What the QR code holds (decoded by zbar from the screen): the sign page with the code; a phone opens it.
    shot = live.tmp / "rotating-qr.png"
    trainer_page.locator("#rotating-qr").screenshot(path=str(shot))
    zbar = [shutil.which("zbarimg") or "zbarimg", "--quiet", "--raw", str(shot)]
    link = subprocess.run(zbar, capture_output=True, text=True, check=True).stdout.strip()  # noqa: S603
    assert link == f"{live.url}/emargement/{W.evening}/sign?code={code}"
    context, page = phone(browser, live, AMINA)
    page.goto(link)
    expect(page.get_by_label("Le code sur l'écran du formateur")).to_have_value(code)
    draw(page)
    pages.check(page, "e2-trainee-phone-draws", axe=True)
    page.get_by_role("button", name="Je signe : je suis là").click()
    expect(page.locator(".alert--success").first).to_contain_text("Votre signature est enregistrée")
    expect(page.locator("#signed-ok")).to_be_visible()
    pages.check(page, "e3-trainee-phone-signed")
    context.close()
    assert signatures(live, W.evening) == [(AMINA, "own_phone", False)]
    # The trainer's screen polls and counts her.
    expect(trainer_page.locator("#signed-count")).to_have_text("1", timeout=10_000)


def step_02_a_code_31_seconds_old_is_refused(browser, live: Live, world, trainer_page, pages: Pages):
    at(16, 56, 0)  # a 15-second step begins
    trainer_page.goto(f"/sessions/{W.evening}/emargement")
    code = shown_code(trainer_page)
    context, page = phone(browser, live, BRUNO)
    page.goto(f"/emargement/{W.evening}/sign")
    page.get_by_label("Le code sur l'écran du formateur").fill(code)
    draw(page)
    W.moment += timedelta(seconds=31)
    page.get_by_role("button", name="Je signe : je suis là").click()
    expect(page.locator("#sign-error")).to_contain_text("Ce code n'est pas valable")
    pages.check(page, "e4-trainee-code-too-old")
    # The code on the screen now works (her drawing was not kept: she draws again).
    trainer_page.reload()
    page.get_by_label("Le code sur l'écran du formateur").fill(shown_code(trainer_page))
    draw(page)
    page.get_by_role("button", name="Je signe : je suis là").click()
    expect(page.locator("#signed-ok")).to_be_visible()
    context.close()
    assert signatures(live, W.evening)[-1] == (BRUNO, "code", False)


def step_03_a_code_from_another_session_is_refused(browser, live: Live, world, trainer_page, pages: Pages):
    at(17, 5)
    trainer_page.goto(f"/sessions/{W.late_evening}/emargement")
    # The later session's window is not open yet: its code is not shown. Open it, then replay its code.
    expect(trainer_page.locator("main .alert--info")).to_contain_text("15 minutes avant le début")
    expect(trainer_page.locator("#rotating-code")).to_have_count(0)
    at(18, 20)
    trainer_page.goto(f"/sessions/{W.late_evening}/emargement")
    other_code = shown_code(trainer_page)
    context, page = phone(browser, live, CHLOE)
    page.goto(f"/emargement/{W.evening}/sign?code={other_code}")
    draw(page)
    page.get_by_role("button", name="Je signe : je suis là").click()
    expect(page.locator("#sign-error")).to_contain_text("Ce code n'est pas valable")
    pages.check(page, "e5-trainee-code-other-session")
    context.close()
    assert [email for email, *_ in signatures(live, W.evening)] == [AMINA, BRUNO]
    # leave the screen that polls the code before the clock moves on (its window closes at the next step's time,
    # and a poll answered then reloads the page while the next step navigates: net::ERR_ABORTED under load)
    trainer_page.goto("/")


def step_04_the_trainers_device_passed_around_late_signature(live: Live, world, trainer_page, pages: Pages):
    at(17, 20)
    trainer_page.goto(f"/sessions/{W.evening}/emargement")
    trainer_page.get_by_role("link", name="Faire passer cet appareil").click()
    trainer_page.get_by_label("Votre nom").select_option(label="Élise Fictive")
    draw(trainer_page)
    pages.check(trainer_page, "e6-trainer-device")
    trainer_page.get_by_role("button", name="Je signe : je suis là").click()
    expect(trainer_page.locator(".alert--success").first).to_contain_text("Élise Fictive a signé")
    assert signatures(live, W.evening)[-1] == (ELISE, "trainer_device", True)
    trainer_page.goto(f"/sessions/{W.evening}/emargement")
    expect(trainer_page.locator("li[data-person='Élise Fictive']")).to_contain_text("en retard")
    trainer_page.goto("/")  # leave the screen that polls the code before the clock moves on


def step_05_a_signature_after_the_window_is_refused(browser, live: Live, world, pages: Pages):
    at(18, 31)
    context, page = phone(browser, live, CHLOE)
    page.goto(f"/emargement/{W.evening}/sign")
    expect(page.locator(".alert--info")).to_contain_text("La séance est finie")
    expect(page.get_by_role("button", name="Je signe : je suis là")).to_have_count(0)
    pages.check(page, "e7-trainee-window-closed")
    context.close()


def step_06_the_trainer_countersigns_and_downloads_the_sheet(live: Live, world, trainer_page, pages: Pages):
    at(18, 40)
    trainer_page.goto(f"/sessions/{W.evening}/emargement")
    expect(trainer_page.locator("#window-closed")).to_be_visible()
    # After the window, only the trainer signs for someone, with a reason the sheet shows.
    trainer_page.locator("#override-person").select_option(label="Chloé Démo")
    trainer_page.locator("#override-reason").fill("Téléphone déchargé, présente toute la séance")
    trainer_page.get_by_role("button", name="Enregistrer la signature").click()
    expect(trainer_page.locator(".alert--success").first).to_contain_text("enregistrée avec votre raison")
    form = trainer_page.locator("form[action$='/countersign']")
    draw(trainer_page, "form[action$='/countersign'] canvas")
    pages.check(trainer_page, "e8-trainer-countersign")
    form.get_by_role("button", name="Contresigner").click()
    expect(trainer_page.locator(".alert--success").first).to_contain_text("Vous avez contresigné la feuille")
    with trainer_page.expect_download() as download:
        trainer_page.get_by_role("link", name="Feuille d'émargement signée (PDF)").click()
    data = Path(download.value.path()).read_bytes()
    assert data.startswith(b"%PDF-")

    text = " ".join(p.extract_text() for p in PdfReader(BytesIO(data)).pages)
    assert "Amina Exemple" in text and "Téléphone déchargé" in text and "Contreseing" in text
    with live.app.app_context():
        counter = db.session.scalar(
            sa.select(Countersignature)
            .join(TrainingSession, TrainingSession.id == Countersignature.session_id)
            .where(TrainingSession.uuid == uuid.UUID(W.evening))
        )
        assert counter.signatures == 4
        code = display_code(counter.code)
        db.session.remove()
    assert code in text
    page = trainer_page.context.new_page()
    page.goto(f"/emargement/verify/{code}")
    expect(page.locator("main")).to_contain_text(counter.sheet_sha256)
    pages.check(page, "e9-sheet-verification")
    page.close()


def test_signing_a_session_step_by_step(browser, live: Live, world, trainer_page, pages: Pages):
    """The steps build on each other (the same sessions, signed in turn): one test runs them in order, so that
    no test runner (xdist spreads a module's tests over its workers) can split them."""
    step_01_trainee_signs_on_her_phone_with_the_rotating_code(browser, live, world, trainer_page, pages)
    step_02_a_code_31_seconds_old_is_refused(browser, live, world, trainer_page, pages)
    step_03_a_code_from_another_session_is_refused(browser, live, world, trainer_page, pages)
    step_04_the_trainers_device_passed_around_late_signature(live, world, trainer_page, pages)
    step_05_a_signature_after_the_window_is_refused(browser, live, world, pages)
    step_06_the_trainer_countersigns_and_downloads_the_sheet(live, world, trainer_page, pages)


def test_07_a_session_on_a_public_holiday_is_flagged(browser, live: Live, world, pages: Pages):
    context = new_context(browser, live.url)
    page = context.new_page()
    log_in(page, COORDINATOR, DEMO_PASSWORD)
    with live.app.app_context():
        cohort_uuid = db.session.scalar(sa.select(Cohort.uuid).where(Cohort.code == COHORT_CODE))
        db.session.remove()
    holiday = date(date.today().year + 1, 11, 11)  # Armistice Day
    page.goto(f"/cohorts/{cohort_uuid}/sessions/new")
    page.get_by_label("Date").fill(holiday.isoformat())
    page.get_by_label("Début").fill("09:00")
    page.get_by_label("Fin").fill("12:00")
    page.get_by_label("Places dans la salle (facultatif)").fill("12")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#planning-warnings")).to_contain_text("Ce jour est férié (Jour de l'Armistice)")
    pages.check(page, "e10-coordinator-holiday-flagged")
    context.close()
