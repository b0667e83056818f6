"""Each role's daily pages on a 360 px phone, on the demo data: screenshots in ``build/screenshots/roles/`` and
what a person on a phone needs (no sideways scrolling, the roster's first screen shows trainees, the menu
folded, the funder's home shows figures).

Run: ``python -m pytest -p no:cacheprovider -q tests/e2e/test_roles.py``; then look at the PNG files.
"""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from badges.models import Award
from core.db import db
from courses import services
from courses.models import Cohort, Enrolment, HoursEntry, HoursState, Placement, TrainingSession
from tests.e2e.conftest import ROOT, Live, axe_violations, describe, log_in, new_context

pytestmark = pytest.mark.e2e

SCREENSHOTS = ROOT / "build" / "screenshots" / "roles"
PHONE_360 = {"width": 360, "height": 740}


@pytest.fixture(scope="module")
def shots():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()
    return SCREENSHOTS


@pytest.fixture(scope="module")
def demo_urls(live: Live) -> dict[str, str]:
    """Addresses of demo pages (a running cohort, its last session that happened, a pending day's referent)."""
    today = date.today()
    with live.app.app_context():
        cohort = db.session.scalars(
            db.select(Cohort).where(Cohort.starts_on <= today).order_by(Cohort.ends_on.desc())
        ).first()
        session = db.session.scalars(
            db.select(TrainingSession)
            .where(TrainingSession.cohort_id == cohort.id, TrainingSession.on <= today)
            .order_by(TrainingSession.on.desc())
        ).first()
        enrolment = db.session.scalars(db.select(Enrolment).where(Enrolment.cohort_id == cohort.id)).first()
        placement = db.session.scalars(
            db.select(Placement)
            .join(HoursEntry, HoursEntry.placement_id == Placement.id)
            .where(HoursEntry.state == HoursState.PENDING.value)
        ).first()
        tutor = placement.tutor
        with live.app.test_request_context():
            referent_link = services.tutor_link(placement)  # the signed link the referent gets by e-mail
        award = db.session.scalars(db.select(Award).where(Award.revoked_at.is_(None)).order_by(Award.id)).first()
        urls = {
            "cohort": f"/cohorts/{cohort.uuid}",
            "roster": f"/sessions/{session.uuid}",
            "enrolment": f"/enrolments/{enrolment.uuid}",
            "summary": f"/cohorts/{cohort.uuid}/reports/summary",
            "risk": f"/cohorts/{cohort.uuid}/reports/risk",
            "grid": f"/cohorts/{cohort.uuid}/competencies?module=M1",
            "tutor": tutor.email,
            "referent_link": "/" + referent_link.split("/", 3)[3],
            "verify": f"/verify/{award.uuid}",
        }
        db.session.remove()
    return urls


def phone(browser, live: Live):
    return new_context(browser, live.url, viewport=PHONE_360, is_mobile=True, has_touch=True)


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_360["width"], f"{page.url} scrolls sideways at 360 px ({width} px wide)"


def shoot(page, name: str, *, axe: bool = True) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    no_sideways_scroll(page)
    if axe:
        violations = axe_violations(page)
        assert not violations, describe(violations, page.url)


ROLE_PAGES = {
    "coordinator": (
        "coordination@example.org",
        ["/", "/cohorts", "{cohort}", "{roster}", "{enrolment}", "/admin/badges", "/reports", "{summary}", "{risk}"],
    ),
    "trainer": ("formatrice.paire@example.org", ["/", "{roster}", "{cohort}", "{enrolment}", "{grid}"]),
    "referent": ("{tutor}", ["/", "/hours/to-confirm"]),
    "funder": ("financeur@example.org", ["/", "/reports/funder"]),
    "trainee": ("elise.fictive@example.org", ["/", "/my/training", "/my/hours", "/me/badges", "/glossary"]),
}
#: Pages opened without an account: the referent's signed link (from her e-mail), an employer checking a badge.
PUBLIC_PAGES = {"referent-link": "{referent_link}", "employer-verify": "{verify}"}


@pytest.mark.parametrize("role", list(ROLE_PAGES))
def test_main_pages_at_360(role, browser, live: Live, demo_urls, shots):
    email, paths = ROLE_PAGES[role]
    context = phone(browser, live)
    page = context.new_page()
    try:
        log_in(page, email.format(**demo_urls))
        for n, path in enumerate(paths, start=1):
            response = page.goto(path.format(**demo_urls))
            assert response.status == 200, f"{path} → {response.status}"
            slug = path.strip("/{}").replace("/", "-").split("?")[0] or "home"
            shoot(page, f"{role}-{n:02d}-{slug}")
    finally:
        context.close()


@pytest.mark.parametrize("name", list(PUBLIC_PAGES))
def test_pages_without_an_account_at_360(name, browser, live: Live, demo_urls, shots):
    context = phone(browser, live)
    page = context.new_page()
    try:
        response = page.goto(PUBLIC_PAGES[name].format(**demo_urls))
        assert response.status == 200, f"{name} → {response.status}"
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        shoot(page, name)
    finally:
        context.close()


def test_menu_is_folded_on_a_phone(browser, live: Live):
    """On a phone the menu is one button; opened, it lists the links (no JavaScript needed)."""
    context = phone(browser, live)
    page = context.new_page()
    try:
        log_in(page, "coordination@example.org")
        nav = page.get_by_role("navigation", name="Menu principal")
        expect(nav.get_by_role("link", name="Promotions")).to_be_hidden()
        nav.locator("summary").click()
        expect(nav.get_by_role("link", name="Promotions")).to_be_visible()
        nav.get_by_role("link", name="Promotions").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Promotions")
    finally:
        context.close()
    context = new_context(browser, live.url)  # 1280 px: the links in a row, no "Menu" button
    page = context.new_page()
    try:
        log_in(page, "coordination@example.org")
        nav = page.get_by_role("navigation", name="Menu principal")
        expect(nav.get_by_role("link", name="Promotions")).to_be_visible()
        expect(page.get_by_text("Menu", exact=True)).to_be_hidden()
    finally:
        context.close()


def test_roster_first_screen_shows_trainees(browser, live: Live, demo_urls):
    """A trainer opening a roster on a 360 px phone sees trainees' names in the first screen, one line each."""
    context = phone(browser, live)
    page = context.new_page()
    try:
        log_in(page, "formatrice.paire@example.org")
        page.goto(demo_urls["roster"])
        rows = page.locator(".roster-row")
        first = rows.first.bounding_box()
        assert first["y"] + first["height"] < PHONE_360["height"], "the first trainee is below the first screen"
        visible = [rows.nth(i).bounding_box() for i in range(min(rows.count(), 10))]
        in_first_screen = [b for b in visible if b["y"] + b["height"] <= PHONE_360["height"]]
        assert len(in_first_screen) >= 6, f"only {len(in_first_screen)} trainees in the first screen"
        # one line per trainee: the name and the status control side by side, the row no taller than the control
        # (the minutes late, asked only for a late arrival, may add a second line)
        lines = page.evaluate(
            """[...document.querySelectorAll('.roster-row')].filter(r => r.querySelector('select')).map(r => {
                const name = r.querySelector('legend').getBoundingClientRect();
                const control = r.querySelector('select').getBoundingClientRect();
                const minutes = [...r.querySelectorAll('.minutes')].some(m => m.offsetParent !== null);
                const select = r.querySelector('select');
                return {name: [name.top, name.bottom, name.right], control: [control.top, control.bottom, control.left],
                        row: r.getBoundingClientRect().height, minutes: minutes,
                        label: select.labels.length + (select.getAttribute('aria-labelledby') ? 1 : 0)};
            })"""
        )
        assert len(lines) >= 6
        for line in lines:
            (n_top, n_bottom, n_right), (c_top, c_bottom, c_left) = line["name"], line["control"]
            assert n_right <= c_left + 1 and n_top < c_bottom and c_top < n_bottom, line  # side by side
            control_height = c_bottom - c_top
            if not line["minutes"]:
                assert line["row"] <= control_height + 16, line  # one line: the control's height and the padding
            assert line["label"] >= 1, line  # the status is named by the person's name (screen readers)
        expect(page.get_by_role("button", name="Toutes les autres personnes présentes, et enregistrer")).to_be_visible()
        page.screenshot(path=str(SCREENSHOTS / "trainer-roster-first-screen-360.png"))
    finally:
        context.close()


def test_report_tables_fit_a_1280_px_screen(browser, live: Live, demo_urls):
    """The coordinator's risk report and summary at 1280 px: the columns fit, no scrolling inside the table."""
    context = new_context(browser, live.url)
    page = context.new_page()
    try:
        log_in(page, "coordination@example.org")
        page.goto(demo_urls["risk"])
        page.screenshot(path=str(SCREENSHOTS / "coordinator-risk-1280.png"), full_page=True)
        boxes = page.evaluate(
            "[...document.querySelectorAll('main .table-wrap')].map(w => [w.scrollWidth, w.clientWidth])"
        )
        assert boxes and all(scroll <= client + 1 for scroll, client in boxes), boxes
    finally:
        context.close()
