"""French first, then English and Dutch; no string left untranslated in French nor in Dutch."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest
from babel.messages.pofile import read_po

from core.config import ROOT


def _tooling():
    """scripts/i18n.py, the tool translators use (its placeholder check is the one the tests apply)."""
    spec = importlib.util.spec_from_file_location("i18n_tool", ROOT / "scripts" / "i18n.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("lang", ["fr", "nl"])
def test_catalogue_is_complete(tmp_path, lang):
    """Extract every string from the code now, and require a French and a Dutch translation for each."""
    pot = tmp_path / "messages.pot"
    subprocess.run(  # noqa: S603 - our interpreter, fixed arguments
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l",
         "-k", "lazy_gettext", "-k", "N_", "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    with pot.open("rb") as handle:
        wanted = {m.id for m in read_po(handle) if m.id}
    with (ROOT / f"translations/{lang}/LC_MESSAGES/messages.po").open("rb") as handle:
        catalogue = {m.id: m for m in read_po(handle, locale=lang) if m.id}
    assert len(wanted) > 100
    missing = sorted(str(i) for i in wanted if i not in catalogue)
    empty = sorted(
        str(i) for i, m in catalogue.items()
        if i in wanted and (m.fuzzy or not all(m.string if isinstance(m.string, tuple) else (m.string,)))
    )  # fmt: skip
    hint = f"python scripts/i18n.py update, then python scripts/i18n.py todo {lang}"
    assert not missing, f"run `{hint}` and translate: {missing}"
    assert not empty, f"untranslated or fuzzy in {lang} (`{hint}`): {empty}"


@pytest.mark.parametrize("lang", ["fr", "nl"])
def test_translations_keep_every_placeholder_and_tag(lang):
    """%(name)s, {name} and HTML tags pass unchanged into every translation (a lost one breaks the page)."""
    assert _tooling().placeholder_problems(lang) == []


def test_the_placeholder_check_catches_a_lost_or_renamed_placeholder():
    tool = _tooling()
    assert tool.markers("%(name)s has <strong>%(num)d</strong> {kind}") == sorted(
        ["%(name)s", "<strong>", "%(num)d", "</strong>", "{kind}"]
    )
    assert tool.markers("Hallo %(naam)s") != tool.markers("Hello %(name)s")


def test_the_missing_command_lists_dutch_and_french():
    """`python scripts/i18n.py missing` checks both catalogues (what a merge must keep true)."""
    result = subprocess.run(
        [sys.executable, "scripts/i18n.py", "missing"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout
    assert "# fr: catalogue complete." in result.stdout and "# nl: catalogue complete." in result.stdout


def test_french_is_the_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="fr">' in page and "Se connecter" in page


def test_browser_language_is_followed(client):
    page = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in page and "Log in" in page


def test_language_switch_for_visitors(client):
    response = client.post("/language", data={"lang": "en", "next": "/password/forgot"})
    assert response.headers["Location"] == "/password/forgot"
    assert "Forgot your password" in client.get("/password/forgot").get_data(as_text=True)


def test_user_preference_wins_over_the_browser(client, login_as):
    login_as("trainee", language="en")
    page = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Hello" in page and "My account" in page


def test_switch_saves_the_preference_of_a_logged_in_user(client, login_as):
    from core.db import db

    user = login_as("trainee")
    client.post("/language", data={"lang": "en", "next": "/"})
    db.session.refresh(user)
    assert user.language == "en"


def test_error_pages_in_both_languages(client):
    assert "Page introuvable" in client.get("/nowhere").get_data(as_text=True)
    english = client.get("/nowhere", headers={"Accept-Language": "en"})
    assert english.status_code == 404 and "Page not found" in english.get_data(as_text=True)


def test_api_errors_are_json(client, login_as):
    login_as("trainee")
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.is_json and response.json["status"] == 404


# ------------------------------------------------------------------------------------------------ Dutch


def test_a_dutch_browser_gets_dutch(client):
    page = client.get("/login", headers={"Accept-Language": "nl-BE,nl;q=0.9,fr;q=0.5"}).get_data(as_text=True)
    assert '<html lang="nl">' in page and "Aanmelden" in page and "Wachtwoord" in page
    assert "Se connecter" not in page


def test_the_switch_offers_the_two_other_languages(client):
    def offered(page: str, code: str, name: str) -> bool:  # the name in full (a phone shows the code beside it)
        return f'value="{code}" lang="{code}" title="{name}"><span class="lang-long">{name}</span>' in page

    french = client.get("/login").get_data(as_text=True)
    assert offered(french, "en", "English") and offered(french, "nl", "Nederlands")
    dutch = client.get("/login", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert offered(dutch, "fr", "Français") and offered(dutch, "en", "English")
    assert 'value="nl"' not in dutch


def test_language_switch_to_dutch_for_visitors(client):
    response = client.post("/language", data={"lang": "nl", "next": "/password/forgot"})
    assert response.headers["Location"] == "/password/forgot"
    page = client.get("/password/forgot", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="nl">' in page and "Wachtwoord vergeten" in page


def test_dutch_preference_wins_and_the_switch_saves_it(client, login_as):
    from core.db import db

    user = login_as("trainee", language="nl")
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Mijn account" in page and "Afmelden" in page
    client.post("/language", data={"lang": "en", "next": "/"})
    client.post("/language", data={"lang": "nl", "next": "/"})
    db.session.refresh(user)
    assert user.language == "nl"


def test_an_unknown_language_changes_nothing(client, login_as):
    from core.db import db

    user = login_as("trainee", language="nl")
    client.post("/language", data={"lang": "de", "next": "/"})
    db.session.refresh(user)
    assert user.language == "nl"


def test_error_pages_in_dutch(client):
    response = client.get("/nowhere", headers={"Accept-Language": "nl"})
    assert response.status_code == 404 and "Pagina niet gevonden" in response.get_data(as_text=True)


def test_mail_is_written_in_the_recipients_language(app, create_user):
    from core import services
    from core.db import db
    from core.models import OutboxMessage

    person = create_user(password=None, language="nl", legal_name="Lotte Peeters")
    services.invite(person)
    db.session.commit()
    message = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.recipient == person.email))
    assert message.subject == "Je Tremplin-account"
    assert message.body.startswith("Hallo Lotte Peeters,") and "Er is een account voor je aangemaakt" in message.body


#: Messages whose number is never 1 (so that a plural form would never be chosen): each with why.
ALWAYS_PLURAL = {
    "%(minutes)d minutes is more than the session lasts (%(total)d).",  # more than a session: never 1 minute
    "This text is too long: %(length)d characters, at most %(max)d.",  # more than a maximum: at least 2
    "Please keep this under %(num)d characters.",  # a field's maximum length (200, 500), never 1
    # settings (password length, link lifetimes, file and field limits, a session's length), never 1
    "At least %(n)d characters. A tip: three words you like, separated by spaces.",
    "Your password needs at least %(n)d characters. Three words in a row are easy to remember.",
    "The code %(value)s is too long: at most %(max)d characters.",
    "The file has more than %(limit)d rows. Please split it into smaller files.",
    "Too many attempts. For your security, please wait %(minutes)d minutes and try again.",
}
#: Long messages (mails, hints) where a setting is counted: recognised by their start.
ALWAYS_PLURAL_PREFIXES = (
    "Hello %(name)s,\n\nAn account has been created",  # the invitation lifetime, in days (7)
    "Hello %(name)s,\n\nSomeone asked to change the password",  # the reset lifetime, in minutes (60)
    "Choose a status for each person.",  # the session's length in minutes
)


def test_counted_things_use_plural_forms(tmp_path):
    """ "1 stagiaires" never: a message that counts ("%(n)d trainees") is written with ngettext, so that each
    language chooses its form (French: 0 and 1 singular, English: 1 singular)."""
    import re

    pot = tmp_path / "messages.pot"
    subprocess.run(  # noqa: S603 - our interpreter, fixed arguments
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l",
         "-k", "lazy_gettext", "-k", "N_", "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    counted = re.compile(r"%\(\w+\)d [a-z]+s\b")
    with pot.open("rb") as handle:
        singular_only = [m.id for m in read_po(handle) if m.id and isinstance(m.id, str)]
    offenders = sorted(
        i
        for i in singular_only
        if counted.search(i) and i not in ALWAYS_PLURAL and not i.startswith(ALWAYS_PLURAL_PREFIXES)
    )
    assert not offenders, f"count these with ngettext: {offenders}"
