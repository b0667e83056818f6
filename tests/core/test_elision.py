"""French elision wherever a name follows "de", "que" or "le": every message of the French catalogue that puts a
person's (or an organisation's) name after one of those words is rendered, in the code and in a template, with
names that call for the elision ("Amina", "Émilie", "Hugo") and one that does not ("Bruno")."""

from __future__ import annotations

import html
import re

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale, gettext, lazy_gettext, ngettext, npgettext, pgettext

from core.config import ROOT
from core.i18n import _ELIDED, NAME_PLACEHOLDERS

PLACEHOLDER = re.compile(r"%\((\w+)\)([sd])")
BEFORE_NAME = re.compile(
    r"\b(" + "|".join(_ELIDED) + r") (%\((?:" + "|".join(sorted(NAME_PLACEHOLDERS)) + r")\)s)", re.I
)


def _messages_with_a_name_after_an_elided_word():
    with (ROOT / "translations" / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    found = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if any(BEFORE_NAME.search(s) for s in strings):
            found.append(message)
    return found


MESSAGES = _messages_with_a_name_after_an_elided_word()


def _expected(msgstr: str, variables: dict, name: str, key_of_name: set[str]) -> str:
    def elided(match: re.Match) -> str:
        word, placeholder = match.group(1), match.group(2)
        key = placeholder[2:-2]
        if key not in key_of_name:
            return match.group(0)
        short = _ELIDED[word.lower()]
        return (short.capitalize() if word[:1].isupper() else short) + placeholder

    return BEFORE_NAME.sub(elided, msgstr) % variables


def _variables(msgid: str, name: str, num: int) -> dict:
    variables: dict[str, object] = {}
    for key, kind in PLACEHOLDER.findall(msgid):
        variables[key] = num if kind == "d" else (name if key in NAME_PLACEHOLDERS else "7")
    return variables


def test_the_catalogue_has_names_after_de_que_le():
    assert len(MESSAGES) >= 10  # the scan below really looks at something


@pytest.mark.parametrize("name", ["Amina", "Émilie", "Hugo", "Inès", "Bruno"])
@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: (m.id[0] if isinstance(m.id, tuple) else m.id)[:50])
def test_every_name_after_de_que_le_is_elided_in_code_and_templates(app, message, name):
    plural = isinstance(message.id, tuple)
    cases = [(1, 0), (3, 1)] if plural else [(1, None)]
    for num, index in cases:
        msgid = message.id[0 if num == 1 else 1] if plural else message.id
        msgstr = message.string[index] if plural else message.string
        variables = _variables(msgid, name, num)
        if plural:
            variables.pop("num", None)  # ngettext fills it
        vowel = name[0] not in "B"
        aspirated = {"issuer"} if name.startswith("H") else set()  # organisations: "de Haute École"
        names = (NAME_PLACEHOLDERS - aspirated) if vowel else set()
        expected = _expected(msgstr, {"num": num} | variables, name, names)
        with app.test_request_context(), force_locale("fr"):
            if plural and message.context:
                in_code = npgettext(message.context, message.id[0], message.id[1], num, **variables)
            elif plural:
                in_code = ngettext(message.id[0], message.id[1], num, **variables)
            elif message.context:
                in_code = pgettext(message.context, message.id, **variables)
            else:
                in_code = gettext(message.id, **variables)
                assert str(lazy_gettext(message.id, **variables)) == expected
            assert in_code == expected
            if plural:
                template = "{{ ngettext(s, p, n, **v) }}"
                context = {"s": message.id[0], "p": message.id[1], "n": num, "v": variables}
            else:
                template = "{{ _(s, **v) }}"
                context = {"s": message.id, "v": variables}
            if not message.context:
                rendered = app.jinja_env.from_string(template).render(**context)
                assert html.unescape(rendered) == expected


def test_elision_only_in_french_and_only_before_names(app):
    with app.test_request_context():
        with force_locale("en"):
            assert gettext("Practice hours of %(name)s", name="Amina") == "Practice hours of Amina"
        with force_locale("fr"):
            assert gettext("Practice hours of %(name)s", name="Amina") == "Heures de pratique d'Amina"
            # in a template the name is escaped, the elision still found and the result still safe HTML
            template = app.jinja_env.from_string("{{ _('Signature of %(name)s', name=n) }}")
            assert template.render(n="Éva <b>") == "Signature d'Éva &lt;b&gt;"
