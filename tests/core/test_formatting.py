"""Words and numbers the way each language writes them: names sorted and searched without accents, French
elision before names, durations and percentages in French and in English, one rounding rule."""

from __future__ import annotations

import html
from decimal import Decimal
from fractions import Fraction

import pytest
from flask_babel import force_locale
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.i18n import elide, fold, matches, sort_key
from courses import exports, rules
from courses.presenters import hm, percent

NAMES = ["Thérèse Martin", "Zoé Lambert", "émilie Robert", "Émilie Dubois", "Lætitia Noël", "Laurent Petit",
         "Œdipe Roy", "Océane Blanc", "Anne-Sophie Morel", "Annie Vidal", "Éric Faure", "Dario Costa", "Farid Amrani",
         "Élise Fictive"]  # fmt: skip


def test_names_are_sorted_the_french_way():
    ordered = sorted(NAMES, key=sort_key)
    assert ordered.index("Émilie Dubois") < ordered.index("Thérèse Martin") < ordered.index("Zoé Lambert")
    assert ordered.index("Dario Costa") < ordered.index("Élise Fictive") < ordered.index("Farid Amrani")
    assert ordered.index("Élise Fictive") < ordered.index("Émilie Dubois") < ordered.index("Éric Faure")
    # ligatures are spelled out: Lætitia between Laetitia and Laurent, Œdipe before Océane (oed < oce? no: oec)
    assert ordered.index("Lætitia Noël") < ordered.index("Laurent Petit")
    assert ordered.index("Océane Blanc") < ordered.index("Œdipe Roy")
    # hyphens are ignored at the first level: Anne-Sophie files as "annesophie", before Annie
    assert ordered.index("Anne-Sophie Morel") < ordered.index("Annie Vidal")
    # only accents or case differ: a stable, total order
    assert sorted(["Émilie Dubois", "emilie Dubois"], key=sort_key) == sorted(
        ["emilie Dubois", "Émilie Dubois"], key=sort_key
    )


@given(st.lists(st.text(max_size=12), max_size=8))
def test_sort_key_is_a_total_order(names):
    assert sorted(names, key=sort_key) == sorted(sorted(names, reverse=True), key=sort_key)


def test_searching_a_person_ignores_accents_and_case():
    assert fold("Lætitia ÉLOÏSE") == "laetitia eloise"
    assert matches("emilie", "Émilie Dubois", "emilie.dubois@example.org")
    assert matches("DUBOIS Émi", "Émilie Dubois")
    assert not matches("thérèse", "Émilie Dubois", None)
    assert not matches("   ", "Émilie Dubois")


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("Heures de pratique de Amina Exemple", "Amina Exemple", "Heures de pratique d'Amina Exemple"),
        ("Signature de Élise", "Élise", "Signature d'Élise"),
        ("Les badges que Inès a choisi de rendre publics.", "Inès", "Les badges qu'Inès a choisi de rendre publics."),
        ("Le badge de Hugo", "Hugo", "Le badge d'Hugo"),
        ("Le badge de Yves", "Yves", "Le badge d'Yves"),
        ("Le badge de Yasmine", "Yasmine", "Le badge de Yasmine"),  # a "y" before a vowel is a consonant
        ("Heures de Bruno", "Bruno", "Heures de Bruno"),
        ("De Amina : 3 jours", "Amina", "D'Amina : 3 jours"),
        ("le de Amina", "Amina", "le d'Amina"),
        ("Heures de pratique de Amina", None, "Heures de pratique de Amina"),  # no name given: the text as it is
        ("Tender de Amina", "Amina", "Tender d'Amina"),
    ],
)
def test_french_elision_before_a_name(app, text, name, expected):
    with app.test_request_context(), force_locale("fr"):
        assert elide(text, name) == expected


def test_elision_is_french_only_and_leaves_words_that_merely_contain_de(app):
    with app.test_request_context():
        with force_locale("en"):
            assert elide("Hours of Amina", "Amina") == "Hours of Amina"
        with force_locale("fr"):
            assert elide("Code Amina", "Amina") == "Code Amina"  # "de" inside a word is not the word "de"


def test_elision_filter_in_a_template(app):
    with app.test_request_context(), force_locale("fr"):
        template = app.jinja_env.from_string('{{ _("Practice hours of %(name)s", name=n)|elide(n) }}')
        assert html.unescape(template.render(n="Amina Exemple")) == "Heures de pratique d'Amina Exemple"


@pytest.mark.parametrize(
    ("minutes", "fr", "en"),
    [
        (125, "2\u00a0h\u00a005", "2\u00a0hr\u00a05\u00a0min"),
        (60, "1\u00a0h", "1\u00a0hr"),
        (45, "45\u00a0min", "45\u00a0min"),
        (0, "0\u00a0min", "0\u00a0min"),
        (-90, "−1\u00a0h\u00a030", "−1\u00a0hr\u00a030\u00a0min"),
    ],
)
def test_durations_in_french_and_in_english(app, minutes, fr, en):
    with app.test_request_context():
        with force_locale("fr"):
            assert hm(minutes) == fr
        with force_locale("en"):
            assert hm(minutes) == en


@pytest.mark.parametrize(
    ("value", "fr", "en"),
    [
        (Fraction(7499, 100), "74,9\u00a0%", "74.9%"),
        (Fraction(75), "75\u00a0%", "75%"),
        (Fraction(2, 3) * 100, "66,6\u00a0%", "66.6%"),
        (Fraction(100), "100\u00a0%", "100%"),
        (Fraction(0), "0\u00a0%", "0%"),
    ],
)
def test_percentages_in_french_and_in_english(app, value, fr, en):
    with app.test_request_context():
        with force_locale("fr"):
            assert percent(value) == fr
        with force_locale("en"):
            assert percent(value) == en


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # the app is only read
@given(value=st.fractions(min_value=0, max_value=100))
def test_one_rounding_rule_for_the_page_and_the_export(app, value):
    """The figure a page shows (in English, to read the decimal point) is the number the spreadsheet holds."""
    shown = rules.shown_percent(value)
    assert shown <= value < shown + Decimal("0.1")  # floored: a threshold is never shown as met when it is not
    assert exports.percent_number(value) == shown
    with app.test_request_context(), force_locale("en"):
        assert Decimal(percent(value).rstrip("%")) == shown
