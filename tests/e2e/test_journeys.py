"""One journey per role, in a real browser (Debian's Chromium), in French, chained: each test picks up where the
previous one left off, on one live server (``live``) holding a copy of the demo data.

coordinator creates a cohort and imports its sessions and trainees → the trainee accepts the invitation →
the trainer fills a roster on a phone → the trainee logs placement hours → the referent confirms them through
the link, without an account → the trainer validates the competencies → the jury records the final work → the
trainee is eligible, makes the programme badge public, downloads the certificate → an employer follows the
certificate's QR code and uploads the baked badge image → the coordinator revokes the badge and the employer's
page says so → the coordinator exports the cohort report.

Every step saves ``build/screenshots/e2e/NN-role-step.png`` and runs axe-core on the page (no serious or
critical violation). What has no user interface is done as an operator would, and said where it happens:
the programme is loaded with ``tremplin programmes load`` and the trainer joins the cohort's team with
``tremplin cohorts add-trainer``. Sessions are dated in the past (imported so by the coordinator): a cohort
whose trainee becomes eligible in minutes has to have happened already.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, Live, Pages, log_in, new_context

HERE = Path(__file__).parent
TODAY = date.today()
CODE = "E2E-PARCOURS"
TRAINEE = "zoe.essai@example.org"
TRAINEE_NAME = "Zoé Essai"
OTHER = "yanis.essai@example.org"
OTHER_NAME = "Yanis Essai"
TRAINER = "formatrice.paire@example.org"
COORDINATOR = "coordination@example.org"
TRAINEE_PASSWORD = "un mot de passe solide"
SESSIONS = [TODAY - timedelta(days=21), TODAY - timedelta(days=14)]
PRACTICE_DAY = TODAY - timedelta(days=10)
REFERENT_EMAIL = "referente.essai@example.org"


class State:
    """What the steps hand on to the next ones (URLs, downloaded files)."""

    cohort_url: str = ""
    enrolment_url: str = ""
    invitation: str = ""
    tutor_link: str = ""
    badge_url: str = ""
    verify_url: str = ""
    baked_png: Path | None = None


S = State()


@pytest.fixture(scope="module")
def browser_contexts(browser, live: Live):
    """One context per person, opened on demand and kept for the whole journey (each keeps its own login)."""
    contexts: dict[str, object] = {}

    def get(who: str, **options):
        if who not in contexts:
            contexts[who] = new_context(browser, live.url, **options)
        return contexts[who]

    yield get
    for context in contexts.values():
        context.close()


def page_of(browser_contexts, who: str, **options):
    context = browser_contexts(who, **options)
    return context.pages[0] if context.pages else context.new_page()


def flash(page):
    return page.locator(".flash, .alert").first


# --- 1. coordinator: a cohort from a programme, its sessions and trainees from CSV files ----------------------


def test_01_coordinator_creates_cohort_and_imports_trainees(live: Live, browser_contexts, pages: Pages):
    live.cli("programmes", "load", str(HERE / "parcours-e2e.yaml"))  # programmes enter by the command line only
    page = page_of(browser_contexts, "coordinator")
    log_in(page, COORDINATOR)
    pages.check(page, "01-coordinator-home")

    page.goto("/cohorts")
    pages.check(page, "02-coordinator-cohorts")
    page.get_by_role("link", name="Nouvelle promotion").click()
    page.get_by_label("Code").fill(CODE)
    page.get_by_label("Programme").select_option(label="Parcours court au travail-pair")
    page.get_by_label("Premier jour").fill((TODAY - timedelta(days=28)).isoformat())
    page.get_by_label("Dernier jour").fill((TODAY + timedelta(days=30)).isoformat())
    pages.check(page, "03-coordinator-cohort-form")
    page.get_by_role("button", name="Créer la promotion").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(CODE)

    sessions = "module,date,start,end\n" + "".join(f"M1,{d.isoformat()},09:00,12:00\n" for d in SESSIONS)
    page.get_by_label("Contenu du fichier").select_option("sessions")
    page.get_by_label("Fichier CSV").set_input_files(
        files=[{"name": "seances.csv", "mimeType": "text/csv", "buffer": sessions.encode()}]
    )
    pages.check(page, "04-coordinator-import-sessions")
    page.get_by_role("button", name="Importer").click()
    expect(flash(page)).to_contain_text("2 ajout")
    S.cohort_url = page.url

    page.goto(S.cohort_url + "/import")
    # French Excel: semicolons, a BOM, French dates
    trainees = (
        "\ufeffemail;legal_name;display_name;enrolled_on\n"
        f"{TRAINEE};{TRAINEE_NAME};Zoé;{(TODAY - timedelta(days=28)).strftime('%d/%m/%Y')}\n"
        f"{OTHER};{OTHER_NAME};;\n"
    )
    page.get_by_label("Contenu du fichier").select_option("trainees")
    page.get_by_label("Fichier CSV").set_input_files(
        files=[{"name": "stagiaires.csv", "mimeType": "text/csv", "buffer": trainees.encode()}]
    )
    page.get_by_role("button", name="Importer").click()
    expect(page.get_by_text("Invitations placées dans la boîte d'envoi : 2.")).to_be_visible()
    expect(page.get_by_role("link", name=TRAINEE_NAME).first).to_be_visible()
    pages.check(page, "05-coordinator-cohort-imported")

    # The trainer joins the cohort's team: there is no page for it yet, only `tremplin cohorts add-trainer`.
    live.cli("cohorts", "add-trainer", CODE, TRAINER, "--kind", "peer")

    page.get_by_role("link", name=TRAINEE_NAME).first.click()
    S.enrolment_url = page.url
    # A placement with a referent who has no account
    page.get_by_text("Ajouter un stage ou un emploi").click()
    form = page.locator("form[action$='/placements']")
    form.get_by_label("Structure d'accueil").fill("Maison d'accueil Essai")
    form.get_by_label("Du", exact=True).fill((TODAY - timedelta(days=28)).isoformat())
    form.get_by_label("ou : nom de la personne référente").fill("Renée Référente")
    form.get_by_label("et son e-mail").fill(REFERENT_EMAIL)
    pages.check(page, "06-coordinator-placement-form")
    form.get_by_role("button", name="Ajouter").click()
    expect(flash(page)).to_contain_text("Stage ou emploi ajouté")

    # The invitation to pass on to the trainee, from the outbox (no mail server in this deployment)
    page.goto("/admin/outbox")
    pages.check(page, "07-coordinator-outbox")
    page.get_by_role("row").filter(has_text=TRAINEE).get_by_role("link").click()
    pages.check(page, "08-coordinator-invitation")
    body = page.locator("main").inner_text()
    S.invitation = re.search(r"https?://\S+/invitation/\S+", body).group(0)
    assert S.invitation.startswith(live.url)
