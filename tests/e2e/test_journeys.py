"""One journey per role, in a real browser (Debian's Chromium), in French, chained: each step picks up where the
previous one left off, on one live server (``live``) holding a copy of the demo data.

coordinator creates a cohort and imports its sessions and trainees → the trainee accepts the invitation →
the trainer fills a roster on a phone, and another with the keyboard alone → the trainee logs placement hours →
the referent confirms them through the link, without an account → the trainer validates the competencies → the
jury (the coordination records its result) records the final work → the trainee is eligible, keeps the
programme badge (badges are issued to their holder, who may decline them) and makes it public, downloads the
certificate → an employer follows the certificate's QR code and uploads the baked badge image → the coordinator
revokes the badge and the employer's page says so → the coordinator exports the cohort report. Then the
keyboard on the trainee's dashboard, and each role's main pages at 360 px and at 200 % zoom.

Every step saves ``build/screenshots/e2e/NN-role-step.png`` and runs axe-core on the page (no serious or
critical violation). What has no user interface is done as an operator would, and said where it happens:
the programme is loaded with ``tremplin programmes load`` and the trainer joins the cohort's team with
``tremplin cohorts add-trainer``. Sessions are dated in the past (imported so by the coordinator): a cohort
whose trainee becomes eligible in minutes has to have happened already.
"""

from __future__ import annotations

import csv
import inspect
import io
import re
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.courses.test_certificates import decode_qr
from tests.e2e.conftest import PHONE, Live, Pages, axe_violations, describe, log_in, new_context

pytestmark = pytest.mark.e2e

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


def step_01_coordinator_creates_cohort_and_imports_trainees(live: Live, browser_contexts, pages: Pages):
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
    expect(page.get_by_text("2 invitations sont dans la boîte d'envoi.")).to_be_visible()
    expect(page.get_by_role("link", name=TRAINEE_NAME).first).to_be_visible()
    pages.check(page, "05-coordinator-cohort-imported")

    # The trainer joins the cohort's team: there is no page for it yet, only `tremplin cohorts add-trainer`.
    live.cli("cohorts", "add-trainer", CODE, TRAINER, "--kind", "peer")

    page.get_by_role("link", name=TRAINEE_NAME).first.click()
    page.wait_for_url("**/enrolments/*")
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
    page.wait_for_url("**/admin/outbox/*")
    pages.check(page, "08-coordinator-invitation")
    body = page.locator("main").inner_text()
    S.invitation = re.search(r"https?://\S+/invitation/\S+", body).group(0)
    assert S.invitation.startswith(live.url)


# --- 2. trainee: the invitation, on a phone -----------------------------------------------------------------


def step_02_trainee_accepts_the_invitation_on_a_phone(browser_contexts, pages: Pages):
    page = page_of(browser_contexts, "trainee", viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto(S.invitation)
    pages.check(page, "09-trainee-invitation")
    # the password rule is read with the field the page opens on (a screen reader skips the text above it)
    expect(page.get_by_label("Nouveau mot de passe")).to_have_accessible_description(re.compile("Au moins 10"))
    page.get_by_label("Nouveau mot de passe").fill(TRAINEE_PASSWORD)
    page.get_by_label("Le même mot de passe, une deuxième fois").fill(TRAINEE_PASSWORD)
    page.get_by_role("button", name="Enregistrer mon mot de passe").click()
    page.wait_for_url(lambda url: "/invitation" not in url)
    if "/login" in page.url:
        log_in(page, TRAINEE, TRAINEE_PASSWORD)
    page.goto("/")
    expect(page.locator("main")).to_contain_text("Zoé")
    pages.check(page, "10-trainee-home")


# --- 3. trainer: a roster on a phone, then one with the keyboard alone -----------------------------------------


def _session_links(page):
    return page.locator("main table").last.get_by_role("link")


def step_03_trainer_fills_a_roster_on_a_phone(browser_contexts, pages: Pages):
    page = page_of(browser_contexts, "trainer", viewport=PHONE, is_mobile=True, has_touch=True)
    log_in(page, TRAINER)
    pages.check(page, "11-trainer-home")
    page.goto(S.cohort_url)
    pages.check(page, "12-trainer-cohort")
    _session_links(page).first.click()
    zoe = page.get_by_role("group", name=TRAINEE_NAME)
    yanis = page.get_by_role("group", name=OTHER_NAME)
    zoe.get_by_label(TRAINEE_NAME, exact=True).select_option(label="Présent·e")
    yanis.get_by_label(OTHER_NAME, exact=True).select_option(label="En retard")
    yanis.get_by_label("Minutes de retard").fill("30")
    pages.check(page, "13-trainer-roster-phone")
    page.get_by_role("button", name="Enregistrer les présences").tap()
    expect(flash(page)).to_contain_text("Présences enregistrées.")
    expect(zoe.get_by_label(TRAINEE_NAME, exact=True)).to_have_value("present")
    expect(yanis.get_by_label("Minutes de retard")).to_have_value("30")
    pages.check(page, "14-trainer-roster-saved")


def _focused(page) -> dict:
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            const box = el.closest('label.choice') || el;
            const boxStyle = getComputedStyle(box);
            const visible = (s) =>
                (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
            return {tag: el.tagName, type: el.type || '', name: el.name || '', value: el.value || '',
                    text: (el.innerText || el.value || '').trim().slice(0, 80),
                    label: el.getAttribute('aria-labelledby')
                        ? document.getElementById(el.getAttribute('aria-labelledby')).textContent.trim() : '',
                    visible: visible(style) || visible(boxStyle)};
        }"""
    )


def tab_to(page, predicate, limit: int = 80) -> dict:
    """Press Tab until the focused element satisfies ``predicate``; every focused element must show its focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = _focused(page)
        assert focused["visible"], f"no visible focus on {focused}"
        if predicate(focused):
            return focused
    raise AssertionError("not reached with the Tab key")


def step_04_trainer_fills_a_roster_with_the_keyboard_alone(browser_contexts, pages: Pages):
    """Tab into the roster, arrows within a person's list of statuses, Enter to save: no mouse."""
    page = page_of(browser_contexts, "trainer")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(S.cohort_url)
    _session_links(page).last.click()
    expect(page.get_by_role("group", name=TRAINEE_NAME)).to_be_visible()  # the roster is loaded: now the keys
    # Yanis comes first (sorted by name: Essai Yanis < Essai Zoé); his list starts at "— choose —"
    first = tab_to(page, lambda f: f["tag"] == "SELECT")
    assert first["name"].startswith("status-") and first["label"] == OTHER_NAME
    page.keyboard.press("ArrowDown")  # → "Présent·e"
    page.keyboard.press("ArrowDown")  # → "En retard"
    assert _focused(page)["value"] == "late"
    tab_to(page, lambda f: f["type"] == "number")
    page.keyboard.type("20")  # minutes late
    tab_to(page, lambda f: f["tag"] == "SELECT")
    page.keyboard.press("ArrowDown")  # Zoé: present
    assert _focused(page)["value"] == "present"
    pages.check(page, "15-trainer-roster-keyboard")
    tab_to(page, lambda f: f["tag"] == "BUTTON" and "Enregistrer les présences" in f["text"])
    page.keyboard.press("Enter")
    expect(flash(page)).to_contain_text("Présences enregistrées.")
    expect(page.get_by_label(TRAINEE_NAME, exact=True)).to_have_value("present")
    expect(page.get_by_label(OTHER_NAME, exact=True)).to_have_value("late")
    pages.check(page, "16-trainer-roster-keyboard-saved")


# --- 4. trainee: placement hours, on a phone ------------------------------------------------------------------


def step_05_trainee_logs_placement_hours(browser_contexts, pages: Pages):
    page = page_of(browser_contexts, "trainee")
    page.goto("/my/training")
    pages.check(page, "17-trainee-my-training")
    page.get_by_role("link", name="Noter mes heures").first.tap()
    page.get_by_label("Jour", exact=True).fill(PRACTICE_DAY.isoformat())
    page.get_by_label("Heures", exact=True).fill("7")
    page.get_by_label("Ce que vous avez fait (facultatif)").fill("accueil, réunion d'équipe")
    pages.check(page, "18-trainee-hours-form")
    page.get_by_role("button", name="Enregistrer", exact=True).tap()
    expect(page.locator("main .entries")).to_contain_text("accueil, réunion d'équipe")
    pages.check(page, "19-trainee-hours-logged")


# --- 5. referent: confirms the hours through the link, without an account --------------------------------------


def step_06_coordinator_sends_the_referent_a_link(browser_contexts, pages: Pages, live: Live):
    page = page_of(browser_contexts, "coordinator")
    page.goto(S.enrolment_url)
    page.get_by_role("button", name="Envoyer un lien de confirmation à la personne référente").click()
    expect(flash(page)).to_be_visible()
    page.goto("/admin/outbox")
    page.get_by_role("row").filter(has_text=REFERENT_EMAIL).get_by_role("link").first.click()
    page.wait_for_url("**/admin/outbox/*")
    pages.check(page, "20-coordinator-referent-link")
    S.tutor_link = re.search(r"https?://\S+/referent/\S+", page.locator("main").inner_text()).group(0)
    assert S.tutor_link.startswith(live.url)


def step_07_referent_confirms_hours_without_an_account(browser, live: Live, pages: Pages):
    context = new_context(browser, live.url, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(S.tutor_link)
    expect(page.locator("main")).to_contain_text(TRAINEE_NAME.split()[0])
    pages.check(page, "21-referent-link")
    page.get_by_role("row").filter(has_text="accueil").get_by_role(
        "button", name="Envoyer ma réponse pour ce jour"
    ).tap()
    expect(page.locator("main table")).to_contain_text("Confirmé")
    pages.check(page, "22-referent-confirmed")
    context.close()


# --- 6. trainer: competencies --------------------------------------------------------------------------------


def step_08_trainer_validates_competencies(browser_contexts, pages: Pages):
    page = page_of(browser_contexts, "trainer")
    page.goto(S.enrolment_url)
    pages.check(page, "23-trainer-enrolment")
    form = page.locator("form[action$='/validations']")
    for done, (code, evidence) in enumerate((("C-E2E-01", "E-OBS"), ("C-E2E-02", "E-ANALYSE")), start=1):
        form.get_by_label("Compétence").select_option(code)
        form.get_by_label("Élément de preuve").select_option(evidence)
        form.get_by_label("Commentaire (facultatif)").fill("Observé en mise en situation.")
        if code == "C-E2E-02":
            pages.check(page, "24-trainer-validation-form")
        form.get_by_role("button", name="Valider").click()
        expect(page.locator("#competencies")).to_contain_text(f"{done} / 2")  # the page came back with it
    expect(page.locator("#competencies")).to_contain_text("2 / 2")
    pages.check(page, "25-trainer-validated")


# --- 7. jury (the coordination records it) --------------------------------------------------------------------


def step_09_jury_records_the_final_work(browser_contexts, pages: Pages):
    page = page_of(browser_contexts, "coordinator")
    page.goto(S.enrolment_url)
    form = page.locator("form[action$='/final-work']")
    form.get_by_label("Réussi", exact=True).check()
    form.get_by_role("button", name="Enregistrer le résultat du jury").click()
    expect(flash(page)).to_be_visible()
    expect(page.locator("main .tag").first).to_have_text("Toutes les conditions remplies")  # eligible
    pages.check(page, "26-jury-final-work")


# --- 8. trainee: eligible, the badge made public, the certificate -----------------------------------------------


def step_10_trainee_is_eligible_accepts_the_badge_and_makes_it_public(browser_contexts, pages: Pages, tmp_path):
    page = page_of(browser_contexts, "trainee")
    page.goto("/")
    for _ in range(50):  # the jury's result queued the badges: a worker issues them within seconds
        if "Votre badge est en préparation." not in page.locator("main").inner_text():
            break
        page.wait_for_timeout(200)
        page.reload()
    expect(page.locator("main")).to_contain_text("Votre attestation est prête.")
    pages.check(page, "27-trainee-home-eligible")
    page.goto("/my/training")
    pages.check(page, "28-trainee-my-training-eligible")
    page.goto("/me/badges")
    pages.check(page, "29-trainee-my-badges")
    page.get_by_role("link", name=re.compile("Parcours court")).first.tap()
    page.get_by_label("Public : sur ma page publique, avec mon nom").check()
    page.get_by_role("button", name="Enregistrer mon choix").tap()
    expect(flash(page)).to_be_visible()
    expect(page.get_by_label("Public : sur ma page publique, avec mon nom")).to_be_checked()
    pages.check(page, "30-trainee-badge-public")
    S.badge_url = page.url
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Télécharger l'image du badge")).tap()
    S.baked_png = tmp_path.parent / "baked.png"
    download.value.save_as(S.baked_png)
    assert S.baked_png.read_bytes().startswith(b"\x89PNG")


def step_11_trainee_downloads_the_certificate(browser_contexts, pages: Pages, tmp_path):
    page = page_of(browser_contexts, "trainee")
    page.goto("/my/training")
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger mon attestation (PDF)").tap()
    pdf = tmp_path / "attestation.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF-")
    S.verify_url = decode_qr(pdf.read_bytes(), tmp_path)
    base = page.url.split("/my/")[0]
    assert re.fullmatch(re.escape(base) + r"/verify/[0-9A-Z]{5}-[0-9A-Z]{5}", S.verify_url), S.verify_url
    shutil.copy(tmp_path / "page.png", pages.directory / "31-trainee-certificate-page1.png")


# --- 9. employer: the QR code of the certificate, and the badge image ------------------------------------------


def step_12_employer_follows_the_qr_code_and_uploads_the_badge_image(browser_contexts, pages: Pages):
    page = page_of(browser_contexts, "employer", viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto(S.verify_url)  # what scanning the printed QR code opens
    main = page.locator("main")
    expect(main).to_contain_text("valide")
    expect(main).to_contain_text(TRAINEE_NAME)  # the certificate's content names its holder
    expect(main).to_contain_text("Parcours court au travail-pair")
    pages.check(page, "32-employer-qr-valid")

    page.goto("/verify")
    pages.check(page, "33-employer-verify-form")
    page.get_by_label("Ou choisissez l'image du badge").set_input_files(S.baked_png)
    page.get_by_role("button", name="Vérifier").tap()
    expect(main).to_contain_text("Badge valide")
    pages.check(page, "34-employer-png-valid")


# --- 10. coordinator: revokes; the employer's page says so -------------------------------------------------------


def step_13_coordinator_revokes_the_badge_and_the_employer_sees_it(browser_contexts, pages: Pages):
    page = page_of(browser_contexts, "coordinator")
    page.goto("/admin/badges")
    pages.check(page, "35-coordinator-badge-register")
    rows = page.get_by_role("row").filter(has_text=TRAINEE_NAME).filter(has_text="Parcours court")
    row = rows.filter(has_text="public")
    row.first.get_by_role("link").first.click()
    page.wait_for_url("**/admin/badges/*")
    expect(page.locator("main")).to_contain_text("public")
    page.get_by_label("Émis par erreur").check()
    pages.check(page, "36-coordinator-revoke-form")
    page.get_by_role("button", name="Révoquer", exact=True).click()
    page.get_by_role("button", name="Oui, révoquer le badge").click()  # the step that says what will happen
    expect(page.locator(".alert--success")).to_contain_text("révoqué")
    pages.check(page, "37-coordinator-revoked")

    employer = page_of(browser_contexts, "employer")
    employer.goto(S.verify_url)
    expect(employer.locator("main")).to_contain_text("révoqué")
    pages.check(employer, "38-employer-qr-revoked")


# --- 11. coordinator: the cohort report ---------------------------------------------------------------------------


def step_14_coordinator_exports_the_cohort_report(browser_contexts, pages: Pages, tmp_path):
    page = page_of(browser_contexts, "coordinator")
    page.goto(S.cohort_url)
    page.get_by_role("link", name="Rapports et exports de cette promotion").click()
    page.wait_for_url("**/reports/*")
    pages.check(page, "39-coordinator-cohort-report")
    page.get_by_label("Format").select_option("csv")
    page.get_by_label("Séparateur CSV").select_option("semicolon")
    with page.expect_download() as download:
        page.get_by_role("button", name="Export").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.suffix == ".csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")), delimiter=";"))
    by_email = {row["E-mail"]: row for row in rows}
    assert set(by_email) == {TRAINEE, OTHER}, rows
    zoe = by_email[TRAINEE]
    assert zoe["Stagiaire"] == TRAINEE_NAME
    assert zoe["Travail de fin de formation"] == "Réussi"
    assert int(zoe["Badges émis"]) >= 2 and int(zoe["Badges révoqués"]) == 1, zoe


# --- accessibility beyond axe: the keyboard, 360 px, 200 % zoom ------------------------------------------------


def step_15_trainee_dashboard_works_with_the_keyboard_alone(browser_contexts, pages: Pages):
    """From the top of the home page, Tab reaches the skip link, the menu and the dashboard's actions, each with
    a visible focus; Enter on the skip link moves into the page, Enter on an action follows it."""
    page = page_of(browser_contexts, "trainee")
    page.goto("/")
    first = tab_to(page, lambda f: True)
    assert first["tag"] == "A" and "Aller au contenu" in first["text"], first
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id || document.activeElement.closest('main')?.id") == "main"
    reached: list[str] = []
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = _focused(page)
        assert focused["visible"], f"no visible focus on {focused}"
        if not page.evaluate("!!document.activeElement.closest('main')"):
            break
        reached.append(focused["text"])
    assert reached, "nothing to reach in the dashboard"
    pages.check(page, "40-trainee-home-keyboard", axe=False)
    # the dashboard's actions are all reachable: its links to the training, the hours and the badges
    hrefs = page.evaluate("[...document.querySelectorAll('main a[href]')].map(a => a.getAttribute('href'))")
    assert any(h.startswith("/my/training") for h in hrefs) or any(h.startswith("/my/hours") for h in hrefs), hrefs
    assert len(reached) >= len(set(hrefs)), (reached, hrefs)
    page.goto("/")
    # on a phone the menu is folded: Tab to its "Menu" button, Enter opens it, then Tab to the link
    tab_to(page, lambda f: f["tag"] == "SUMMARY" and "Menu" in f["text"])
    page.keyboard.press("Enter")
    tab_to(page, lambda f: f["tag"] == "A" and f["text"] == "Mes heures")
    page.keyboard.press("Enter")
    page.wait_for_url("**/my/hours")


WIDE_ELEMENTS = """(limit) => [...document.querySelectorAll('main *')]
    .filter(el => el.getBoundingClientRect().right > limit + 1 && !el.closest('.table-wrap'))
    .slice(0, 5)
    .map(el => `${el.tagName}.${el.className} ${Math.round(el.getBoundingClientRect().right)}`)"""


def _main_pages() -> dict[str, list[str]]:
    return {
        "coordinator": ["/", "/cohorts", S.cohort_url, S.enrolment_url, "/admin/badges", "/admin/outbox"],
        "trainer": ["/", S.cohort_url, S.enrolment_url, "/calendar"],
        "trainee": ["/", "/my/training", "/my/hours", "/me/badges", S.badge_url],
        "referent": [S.tutor_link],
        "employer": [S.verify_url, "/verify"],
        "funder": ["/", "/reports/funder"],
    }


SIZES = [("360px", {"width": 360, "height": 740}, 1), ("zoom200", {"width": 640, "height": 450}, 2)]


def step_16_main_pages_fit_360px_and_200_percent_zoom(browser, browser_contexts, live: Live, pages):
    """No sideways scrolling of the page at 360 CSS px (a small phone) or at 200 % zoom of a 1280 px screen (640 CSS
    px at device scale 2): tables may scroll inside their own box, the page itself may not."""
    funder = page_of(browser_contexts, "funder")  # aggregates only: the funder's pages join the check
    log_in(funder, "financeur@example.org")
    pages.check(funder, "41-funder-home")
    funder.goto("/reports/funder")
    expect(funder.locator("main")).not_to_contain_text(TRAINEE_NAME)
    pages.check(funder, "42-funder-report")
    problems = []
    for label, viewport, scale in SIZES:
        problems += _fit(browser, browser_contexts, live, pages, label, viewport, scale)
    assert not problems, "\n".join(problems)


def _fit(browser, browser_contexts, live: Live, pages, label, viewport, scale) -> list[str]:
    problems = []
    for who, urls in _main_pages().items():
        logged_in = who in ("coordinator", "trainer", "trainee", "funder")  # the others have no account
        state = browser_contexts(who).storage_state() if logged_in else None
        context = new_context(browser, live.url, viewport=viewport, device_scale_factor=scale, storage_state=state)
        page = context.new_page()
        for n, url in enumerate(urls):
            page.goto(url)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > viewport["width"]:
                wide = page.evaluate(WIDE_ELEMENTS, viewport["width"])
                problems.append(f"{who} {url}: {width}px wide > {viewport['width']}px; {wide}")
            page.screenshot(path=str(pages.directory / f"50-{who}-{label}-{n:02d}.png"), full_page=True)
            if label == "360px":  # axe once more on each main page, as a phone shows it
                violations = axe_violations(page)
                if violations:
                    problems.append(describe(violations, url))
        context.close()
    return problems


# --- the journey: every step in order, each reported as a subtest ---------------------------------------------

STEPS = [value for name, value in sorted(globals().items()) if name.startswith("step_")]


def test_journeys_of_every_role(subtests, browser, browser_contexts, live: Live, pages: Pages, tmp_path):
    """The steps above, in order, on one live server: one test (steps share the server and the people's browser
    contexts, so they must run in one process, in order, whatever the xdist distribution); a failed step stops
    the journey, since every later step builds on it."""
    available = {"browser": browser, "browser_contexts": browser_contexts, "live": live, "pages": pages}
    for step in STEPS:
        name = step.__name__
        arguments = {
            parameter: (tmp_path / name if parameter == "tmp_path" else available[parameter])
            for parameter in inspect.signature(step).parameters
        }
        if "tmp_path" in arguments:
            arguments["tmp_path"].mkdir()
        passed = False
        with subtests.test(msg=name):
            step(**arguments)
            passed = True
        if not passed:
            pytest.fail(f"{name} failed: the later steps build on it", pytrace=False)
