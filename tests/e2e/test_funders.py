"""The funder packs in Chromium, on the demo: a trainee gives her opinion on a finished module from her phone;
the coordinator reads the BPF and prepares the Qualiopi ZIP (run by the worker); the funder reads the
satisfaction results. Every page is checked with axe-core."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date

from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, Live, Pages, log_in, new_context


def test_funder_packs_in_the_browser(browser, live: Live, pages: Pages, tmp_path):
    # A trainee of the running promotion: module M1 has ended, so its questionnaire is open.
    trainee = new_context(browser, live.url, viewport=PHONE, has_touch=True, is_mobile=True)
    page = trainee.new_page()
    log_in(page, "amina.exemple@example.org")
    page.goto("/my/questionnaires")
    pages.check(page, "funders-01-trainee-questionnaires")
    page.get_by_role("link", name="Donner mon avis").first.tap()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Votre avis")
    for question in ("Dans ce module, j'ai appris des choses utiles.", "Les formateurs ont bien expliqué."):
        page.get_by_role("group", name=question).get_by_label("Oui, tout à fait").check()
    page.get_by_role("group", name="Les horaires et le rythme me convenaient.").get_by_label("Plutôt oui").check()
    pages.check(page, "funders-02-trainee-questionnaire")
    page.get_by_role("button", name="Envoyer mes réponses").tap()
    expect(page.locator(".flash, .alert").first).to_contain_text("sans votre nom")
    expect(page.locator("main")).to_contain_text("Vous avez déjà répondu")
    trainee.close()

    coordinator = new_context(browser, live.url)
    page = coordinator.new_page()
    log_in(page, "coordination@example.org")
    page.goto(f"/reports/bpf/{date.today().year}")
    expect(page.locator("main table")).to_contain_text("F-1-total")
    pages.check(page, "funders-03-coordinator-bpf")
    page.goto(f"/reports/qualiopi?year={date.today().year}")
    expect(page.locator("main table")).to_contain_text("Avis des stagiaires recueillis")
    pages.check(page, "funders-04-coordinator-qualiopi")
    page.get_by_role("button", name="Préparer le ZIP").click()
    page.wait_for_url(re.compile(r".*/jobs/[0-9a-f-]+$"))
    link = page.locator("#job-download, #job-download-js").first
    expect(link).to_be_visible(timeout=60_000)
    with page.expect_download() as info:
        link.click()
    path = tmp_path / "qualiopi.zip"
    info.value.save_as(path)
    archive = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    assert "index.html" in archive.namelist() and f"bpf-{date.today().year}.pdf" in archive.namelist()
    coordinator.close()

    funder = new_context(browser, live.url)
    page = funder.new_page()
    log_in(page, "financeur@example.org")
    page.goto("/reports/satisfaction")
    expect(page.locator("main")).to_contain_text("DEMO-2025-26")
    assert "amina" not in page.content().lower()
    pages.check(page, "funders-05-funder-satisfaction")
    funder.close()
