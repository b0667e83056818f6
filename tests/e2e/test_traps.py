"""Issue 16, "Traps and untruths": each trap as its user met it, in Chromium on a 360 px wide phone, on a copy of
the demo. Each journey failed on the code before its fix.
"""

from __future__ import annotations

import re
import uuid
from datetime import date

import pytest
from playwright.sync_api import expect

from core.db import db
from tests.e2e.conftest import Live, Pages, log_in, new_context

pytestmark = pytest.mark.e2e

PHONE_360 = {"width": 360, "height": 780}
COORDINATOR = "coordination@example.org"


@pytest.fixture
def phone(browser, live: Live):
    context = new_context(browser, live.url, viewport=PHONE_360)
    yield context.new_page()
    context.close()


def check(pages: Pages, page, name: str) -> None:
    """Screenshot and axe-core (``Pages.check``), and the page fits the phone: no sideways scrolling."""
    pages.check(page, name)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_360["width"], f"{page.url}: {width}px wide on a {PHONE_360['width']}px phone"


def in_app(live: Live, work):
    """Run ``work()`` in the live app's context (to read the demo or make a link), and leave no session behind."""
    with live.app.app_context():
        try:
            return work()
        finally:
            db.session.remove()


# --- 1. a refused answer keeps the choice the referent made ------------------------------------------------------


def test_referent_do_not_confirm_without_comment_stays_do_not_confirm(live: Live, phone, pages: Pages):
    from courses import services
    from courses.models import HoursEntry, HoursState, Placement

    def link_and_entry():
        entry = db.session.scalars(
            db.select(HoursEntry)
            .join(Placement, Placement.id == HoursEntry.placement_id)
            .where(HoursEntry.state == HoursState.PENDING.value)
            .order_by(HoursEntry.on)
        ).first()
        return services.tutor_link(entry.placement), str(entry.uuid)

    link, entry_uuid = in_app(live, link_and_entry)
    phone.goto(link)
    form = phone.locator(f"form[action$='/{entry_uuid}']")
    form.get_by_label("Ne pas confirmer").check()
    form.get_by_role("button", name="Envoyer").click()
    form = phone.locator(f"form[action$='/{entry_uuid}']")
    expect(form.get_by_role("alert")).to_contain_text("pourquoi")
    expect(form.get_by_label("Ne pas confirmer")).to_be_checked()
    expect(form.get_by_label("Confirmer", exact=True)).not_to_be_checked()
    check(pages, phone, "traps-01-referent-refused-answer-kept")
    # Sending again (with the reason) records what she meant: not confirmed.
    form.get_by_label("Commentaire").fill("Je n'étais pas là ce jour-là")
    form.get_by_role("button", name="Envoyer").click()
    expect(phone.locator(".alert--success")).to_be_visible()

    def state():
        return db.session.scalar(db.select(HoursEntry.state).where(HoursEntry.uuid == uuid.UUID(entry_uuid)))

    assert in_app(live, state) == HoursState.REJECTED.value


# --- 2. a roster opens when its session starts; a planned absence is its own thing --------------------------------


def test_a_future_roster_takes_only_planned_absences_and_the_summary_never_counts_it(
    live: Live, phone, browser, pages: Pages
):
    from core.models import User
    from courses import demo as courses_demo
    from courses.models import Cohort, Enrolment, TrainingSession

    def future_session():
        cohort = db.session.scalar(db.select(Cohort).where(Cohort.code == courses_demo.COHORT_CODE))
        session = db.session.scalars(
            db.select(TrainingSession)
            .where(TrainingSession.cohort_id == cohort.id, TrainingSession.on > date.today())
            .where(TrainingSession.cancelled.is_(False))
            .order_by(TrainingSession.on)
        ).first()
        enrolment = db.session.scalar(
            db.select(Enrolment)
            .join(User, User.id == Enrolment.user_id)
            .where(Enrolment.cohort_id == cohort.id, User.email == "dario.exemple@example.org")
        )
        return str(session.uuid), str(enrolment.uuid)

    session_uuid, enrolment_uuid = in_app(live, future_session)
    log_in(phone, COORDINATOR)
    phone.goto(f"/sessions/{session_uuid}")
    expect(phone.locator("#roster-not-open")).to_contain_text("pas encore commencé")
    expect(phone.get_by_role("button", name="Toutes les autres personnes présentes")).to_have_count(0)
    expect(phone.locator("form.roster option", has_text="Présent·e")).to_have_count(0)
    phone.get_by_label("Dario Exemple", exact=True).select_option(label="Absence prévue")
    check(pages, phone, "traps-02-roster-before-the-session")
    phone.get_by_role("button", name="Enregistrer les absences prévues").click()
    expect(phone.locator(".alert--success")).to_be_visible()
    expect(phone.get_by_label("Dario Exemple", exact=True)).to_have_value("excused")

    # The page no longer offers "everyone present"; the server refuses it too, whatever sends it.
    token = phone.locator("form.roster input[name=csrf_token]").input_value()
    version = phone.locator("form.roster input[name=roster_version]").input_value()
    response = phone.request.post(
        f"/sessions/{session_uuid}", form={"csrf_token": token, "roster_version": version, "action": "all_present"}
    )
    assert response.status == 422
    assert "pas encore commencé" in response.text()

    # The trainee's attendance summary: the session to come is "coming — planned absence", never present.
    trainee = new_context(browser, live.url, viewport=PHONE_360).new_page()
    log_in(trainee, "dario.exemple@example.org")
    pdf = trainee.request.get(f"/enrolments/{enrolment_uuid}/attendance.pdf")
    assert pdf.ok
    text = pdf_text(pdf.body())
    assert "À venir — absence prévue" in text
    trainee.context.close()


def pdf_text(data: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


# --- 4. a revocation asks first, tells the holder, and leaves the badge in sight --------------------------------


def test_revocation_is_confirmed_told_and_stays_visible_to_the_holder(live: Live, phone, browser, pages: Pages):
    from badges.models import Award
    from core.models import OutboxMessage, User

    holder_email = "dario.exemple@example.org"

    def dario_award():
        user = db.session.scalar(db.select(User).where(User.email == holder_email))
        award = db.session.scalars(
            db.select(Award).where(Award.recipient_id == user.id, Award.revoked_at.is_(None)).order_by(Award.id)
        ).first()
        return str(award.uuid)

    award_uuid = in_app(live, dario_award)
    log_in(phone, COORDINATOR)
    phone.goto(f"/admin/badges/{award_uuid}")
    phone.get_by_label("Émis par erreur").check()
    phone.get_by_role("button", name="Révoquer", exact=True).click()
    confirm = phone.locator("#confirm-revoke")
    expect(confirm).to_contain_text("en êtes-vous sûr·e")
    expect(confirm).to_contain_text("Dario")
    check(pages, phone, "traps-04-coordinator-confirms-revocation")

    def revoked() -> bool:
        return db.session.scalar(db.select(Award.revoked_at).where(Award.uuid == uuid.UUID(award_uuid))) is not None

    assert not in_app(live, revoked)  # asking is not doing
    confirm.get_by_role("button", name="Oui, révoquer le badge").click()
    expect(phone.locator(".alert--success")).to_contain_text("message")
    assert in_app(live, revoked)

    def message() -> str:
        return db.session.scalar(
            db.select(OutboxMessage.body).where(
                OutboxMessage.purpose == "badge-revoked", OutboxMessage.recipient == holder_email
            )
        )

    body = in_app(live, message)
    assert "Il avait été donné par erreur." in body and "Mes badges" in body

    trainee = new_context(browser, live.url, viewport=PHONE_360).new_page()
    log_in(trainee, holder_email)
    trainee.goto("/me/badges")
    withdrawn = trainee.locator(".badge-item--withdrawn")
    expect(withdrawn).to_have_count(1)
    expect(withdrawn).to_contain_text("Ce badge a été retiré le")
    expect(withdrawn).to_contain_text("La raison : Émis par erreur.")
    check(pages, trainee, "traps-04-trainee-sees-the-withdrawn-badge")
    trainee.context.close()


# --- 3. an at-risk trainee reads what is true, and whom to talk to ----------------------------------------------


def test_an_at_risk_trainee_reads_the_truth_and_has_a_named_contact(live: Live, phone, pages: Pages):
    from core.models import User
    from courses import demo as courses_demo
    from courses import eligibility, rules
    from courses.models import Cohort

    def below_threshold():
        cohort = db.session.scalar(db.select(Cohort).where(Cohort.code == courses_demo.COHORT_CODE))
        below = next(
            r
            for r in eligibility.evaluate_cohort(cohort)
            if r.evaluation.status is rules.Status.IN_PROGRESS
            and r.evaluation.attendance_percent is not None
            and not r.evaluation.attendance_met
        )
        coordinator = db.session.scalar(db.select(User).where(User.email == COORDINATOR))
        return below.enrolment.user.email, coordinator.name

    email, contact = in_app(live, below_threshold)
    log_in(phone, email)
    phone.goto("/my/training")
    situation = phone.locator("main").inner_text()
    situation = re.sub(r"[\u00a0\u202f]", " ", situation)
    assert "il faut 75 %" in situation and "Vous pouvez encore y arriver." in situation
    assert "au-dessus" not in situation  # below the threshold is never called "above" it
    check(pages, phone, "traps-03-trainee-below-the-threshold")
    for path in ("/", "/my/training", "/my/hours", "/me/badges", "/calendar", "/account"):
        phone.goto(path)
        box = phone.locator(".contact-person")
        expect(box).to_contain_text(contact)
        expect(box.get_by_role("link", name=COORDINATOR)).to_have_attribute("href", f"mailto:{COORDINATOR}")


# --- 5. after the end, every unmet condition is on the list, with what to do ------------------------------------


def test_a_finished_cohort_lists_every_unmet_condition_with_what_to_do(live: Live, phone, pages: Pages):
    from courses import eligibility, rules
    from courses.models import Cohort

    def finished():
        cohort = db.session.scalars(
            db.select(Cohort).where(Cohort.ends_on < date.today()).order_by(Cohort.ends_on.desc())
        ).first()
        done = (rules.Status.ELIGIBLE, rules.Status.WITHDRAWN)
        results = [r for r in eligibility.evaluate_cohort(cohort) if r.evaluation.status not in done]
        failed = next(r.user.legal_name for r in results if r.evaluation.final_work == "failed")
        return str(cohort.uuid), failed, len(results)

    cohort_uuid, failed, unfinished = in_app(live, finished)
    assert unfinished >= 1
    log_in(phone, COORDINATOR)
    phone.goto(f"/cohorts/{cohort_uuid}")
    risk = phone.locator(".risk-list > li")
    expect(risk).to_have_count(unfinished)  # nobody unfinished is left out because their attendance is fine
    item = risk.filter(has_text=failed)
    expect(item.locator("[data-condition=final_work]")).to_contain_text("Non réussi")
    expect(item.get_by_role("link", name="Proposer une nouvelle date de jury")).to_have_attribute(
        "href", re.compile(r"^mailto:.+\?subject=Nouvelle")
    )
    expect(item.get_by_role("link", name="Noter le résultat du nouveau jury")).to_be_visible()
    expect(item).to_contain_text("Formation finie, conditions manquantes")
    expect(phone.get_by_text("En cours", exact=True)).to_have_count(0)  # ten months later, nothing is "in progress"
    check(pages, phone, "traps-05-finished-cohort-to-follow-closely")


# --- 6. figures that agree: certificate and counts, "certificate issued", funder outcomes, progress bars --------


def table_rows(page, part: str) -> list[dict[str, str]]:
    """A report table (``h-<part>``) as the reader sees it: one dict per row, by column heading."""
    return page.evaluate(
        """(part) => {
            const table = document.querySelector(`section[aria-labelledby="h-${part}"] table`);
            const heads = [...table.querySelectorAll("thead th")].map((th) => th.innerText.trim());
            return [...table.querySelectorAll("tbody tr")].map((tr) =>
                Object.fromEntries([...tr.children].map((cell, i) => [heads[i], cell.innerText.trim()])));
        }""",
        part,
    )


def test_certificate_counts_issued_certificates_funder_outcomes_and_progress_text_agree(
    live: Live, phone, browser, pages: Pages
):
    from courses import certificates
    from courses.models import Cohort, Enrolment

    def finished():
        cohort = db.session.scalars(
            db.select(Cohort).where(Cohort.ends_on < date.today()).order_by(Cohort.ends_on.desc())
        ).first()
        enrolments = db.session.scalars(db.select(Enrolment).where(Enrolment.cohort_id == cohort.id)).all()
        enrolment = next(  # a certificate issued with the programme badge, never downloaded by anyone
            e
            for e in enrolments
            if certificates.available(award := certificates.programme_award(e))
            and certificates.certificate_of_award(award) is None
        )
        return str(cohort.uuid), cohort.code, enrolment.user.legal_name, enrolment.user.email

    cohort_uuid, code, name, email = in_app(live, finished)

    # The trainee: the certificate names fewer competencies than she validated, and she is told why.
    log_in(phone, email)
    phone.goto("/my/training")
    expect(phone.locator("#certificate-kept-off")).to_contain_text("C'est voulu")
    bar = phone.locator("progress").first
    fallback = re.sub(r"[\u00a0\u202f]", " ", bar.text_content())  # what is read where bars are not drawn
    # The first bar is attendance ("96,8 %, il faut 75 %"); hours read "294 h sur 140 h": words, never minutes.
    assert re.fullmatch(r"\d+(,\d)? %, il faut \d+ %|\d+ h( \d\d)? sur \d+ h( \d\d)?( \(\d+(,\d)? %\))?", fallback), (
        fallback
    )
    check(pages, phone, "traps-06-trainee-certificate-counts")
    phone.context.clear_cookies()

    # The coordinator's summary: her certificate is issued (with her badge), though nobody has downloaded it.
    log_in(phone, COORDINATOR)
    phone.goto(f"/cohorts/{cohort_uuid}/reports/summary")
    row = next(r for r in table_rows(phone, "trainees") if name in "".join(r.values()))
    assert row["Attestation délivrée"] == "oui", row
    phone.context.clear_cookies()

    # The funder: a finished cohort has nobody "still in training".
    funder = new_context(browser, live.url, viewport=PHONE_360).new_page()
    log_in(funder, "financeur@example.org")
    funder.goto("/reports/funder")
    row = next(r for r in table_rows(funder, "cohorts") if r["Promotion"] == code)
    assert row["Encore en formation"] == "0", row
    check(pages, funder, "traps-06-funder-finished-cohort")
    funder.context.close()
