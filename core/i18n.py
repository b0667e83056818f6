"""Languages: French first, then English and Dutch (Belgian usage) (Flask-Babel).

In a request, the language is the user's preference when logged in, else the one chosen with the language
switch, else the browser's Accept-Language, else French. Outside requests (the ``tremplin`` command), English.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import cached_property

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import current_app, has_request_context, request, session
from flask_babel import Babel, Domain, format_date, format_datetime, format_decimal, format_percent, get_locale
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup, escape

from core.config import ROOT


class _ElidingDomain(Domain):
    """Flask-Babel's domain whose messages elide French words before the names put into them ("d'Amina"):
    every ``gettext``/``ngettext``/``lazy_gettext`` of the Python code goes through it."""

    def gettext(self, string, **variables):
        return elide_placeholders(super().gettext(string, **variables), variables)

    def ngettext(self, singular, plural, num, **variables):
        return elide_placeholders(super().ngettext(singular, plural, num, **variables), variables)

    def pgettext(self, context, string, **variables):
        return elide_placeholders(super().pgettext(context, string, **variables), variables)

    def npgettext(self, context, singular, plural, num, **variables):
        return elide_placeholders(super().npgettext(context, singular, plural, num, **variables), variables)


class _Babel(Babel):
    @cached_property
    def domain_instance(self):
        return _ElidingDomain(domain=self.domain)


babel = _Babel()


def select_locale() -> str:
    if not has_request_context():
        return "en"  # commands speak English; mail and documents choose theirs with force_locale
    languages = current_app.config["LANGUAGES"]
    # Without a session or a remember-me cookie nobody is logged in: don't run the user loader to learn it.
    may_be_logged_in = bool(session) or current_app.config["REMEMBER_COOKIE_NAME"] in request.cookies
    if may_be_logged_in and current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


#: The languages of the interface, French (the reference) first.
LANGUAGES = ("fr", "en", "nl")


def language_of(value: object, default: str = "fr") -> str:
    """The interface language of a locale or language tag: "en_GB" → "en", "nl-BE" → "nl", "de" → ``default``."""
    text = str(value or "").lower()
    return next((lang for lang in LANGUAGES if text.startswith(lang)), default)


def localized(value: Mapping[str, str] | None, lang: str = "fr") -> str:
    """Pick ``lang`` from a ``{"fr": …, "en": …, "nl": …}`` mapping (data defined in several languages),
    falling back to French, then to any language present."""
    if not value:
        return ""
    return value.get(lang) or value.get("fr") or next(iter(value.values()), "")


def current_language() -> str:
    """The language of the current request ("fr", "en" or "nl"); French outside requests' own choice."""
    return language_of(get_locale() or "fr")


#: Letters that NFKD does not split but a French reader files as two: "Lætitia" with "Laetitia", "Œuvre" with "Oeuvre".
_LIGATURES = str.maketrans({"æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ł": "l", "ı": "i"})


def fold(text: str) -> str:
    """``text`` without accents nor case, ligatures spelled out: "Émilie" → "emilie", "Lætitia" → "laetitia".
    What people mean when they sort or search names (they type "emilie" to find "Émilie")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", bare.translate(_LIGATURES))


def sort_key(text: str) -> tuple[str, str, str]:
    """Order names the way a French (or English) reader expects: letters first, accents and case only to break
    ties (Émilie before Thérèse, Élise between Dario and Farid; "de la Tour" with "Delatour"), then the
    text itself so that the order is total and stable. The rule of CLDR's root collation at its first levels,
    without a compiled ICU: hyphens, apostrophes and spaces are ignored at the first level."""
    folded = fold(text)
    return "".join(ch for ch in folded if ch.isalnum()), folded, text


def matches(query: str, *texts: str | None) -> bool:
    """Whether the words of ``query`` all appear in one of ``texts``, ignoring accents and case."""
    words = fold(query).split()
    haystack = " ".join(fold(t) for t in texts if t)
    return bool(words) and all(word in haystack for word in words)


#: French words that lose their vowel before a vowel sound: "de Amina" → "d'Amina", "le Atelier" → "l'Atelier".
_ELIDED = {"de": "d'", "le": "l'", "la": "l'", "que": "qu'", "je": "j'", "ne": "n'", "se": "s'", "me": "m'", "te": "t'"}


#: Placeholders that hold a person's (or an organisation's) name: a French message elides the word before them.
NAME_PLACEHOLDERS = frozenset(
    {"name", "holder", "person", "who", "trainee", "trainer", "tutor", "coordinator", "referent", "contact"}
    | {"pseudonym", "email", "issuer"}
)
#: Organisations' names: no elision before an h, often aspirated there ("de Haute École", "de Hogeschool").
_ASPIRATED_H = frozenset({"issuer"})


def _starts_with_vowel_sound(word: str) -> bool:
    first = fold(word[:2])
    if not first:
        return False
    if first[0] in "aeiou":
        return True
    if first[0] == "h":  # first names with a mute h: d'Hugo, d'Hélène
        return True
    return first[0] == "y" and len(first) > 1 and first[1] not in "aeiou"  # d'Yves, but de Yasmine


def elide(text: str, *values: str | None) -> str:
    """French elision before names put into a sentence: "Heures de Amina" → "Heures d'Amina" (also le, que…).
    Only where one of ``values`` follows the word, and only in French: the rest of the sentence is the
    translator's, already right. Used wherever a name follows "de", "le" or "que" in a message."""
    if not text or current_language() != "fr":
        return text
    for value in values:
        if not value or not _starts_with_vowel_sound(value):
            continue
        pattern = re.compile(r"\b(" + "|".join(_ELIDED) + r") (?=" + re.escape(value) + ")", re.IGNORECASE)
        text = pattern.sub(lambda m: _cased(m.group(1), _ELIDED[m.group(1).lower()]), text)
    return text


def _cased(word: str, elided: str) -> str:
    return elided.capitalize() if word[:1].isupper() else elided


def elide_placeholders(text, variables: Mapping[str, object]):
    """``elide`` for a message just filled with ``variables``: before each name placeholder's value
    (``NAME_PLACEHOLDERS``). HTML-safe text stays HTML-safe (the value is also looked for escaped)."""
    if not text or not variables or current_language() != "fr":
        return text
    names = {k: v for k, v in variables.items() if k in NAME_PLACEHOLDERS and isinstance(v, str) and v}
    aspirated = {v for k, v in names.items() if k in _ASPIRATED_H and fold(v[:1]) == "h"}
    values = []
    for value in names.values():
        if value not in aspirated:
            values += [value, str(escape(value))]
    if not values:
        return text
    elided = elide(str(text), *dict.fromkeys(values))
    # safe: the text was Markup, only "de " became "d'" before an (escaped) value
    return Markup(elided) if isinstance(text, Markup) else elided  # noqa: S704  # nosec B704 - see the line above


def _eliding_template_call(original):
    """A Jinja ``gettext``/``ngettext``… (newstyle: Jinja fills the placeholders) followed by the elision."""

    @pass_context
    def call(__context, *args, **variables):
        return elide_placeholders(__context.call(original, *args, **variables), variables)

    return call


def init_app(app) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(ROOT / "translations"))
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals.update(
        get_locale=lambda: str(get_locale() or app.config["BABEL_DEFAULT_LOCALE"]),
        format_datetime=format_datetime,
        format_date=format_date,
        format_decimal=format_decimal,
        format_percent=format_percent,
        localized=lambda value: localized(value, current_language()),
        current_language=current_language,
    )
    app.jinja_env.filters.update(elide=elide)
    # Templates' _() and {% trans %} go through Jinja's own gettext (it fills the placeholders itself): wrap it.
    for name in ("gettext", "ngettext", "pgettext", "npgettext"):
        if name in app.jinja_env.globals:
            app.jinja_env.globals[name] = _eliding_template_call(app.jinja_env.globals[name])


def compile_catalogues(force: bool = False) -> list[str]:
    """Compile ``translations/*/LC_MESSAGES/messages.po`` to ``.mo`` when missing or stale.

    The ``.po`` files are the source of truth in git; the ``.mo`` files are built at install time
    (by ``tremplin init`` and the setup scripts), never committed.
    """
    compiled = []
    for po_path in sorted((ROOT / "translations").glob("*/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo")
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as handle:
            catalog = read_po(handle)
        with mo_path.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        compiled.append(po_path.parent.parent.name)
    return compiled
