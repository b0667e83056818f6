"""No table, column or programme-file key may hold health, diagnosis or life history (shared/domain.md §4).

A badge attests competencies and the programme; eligibility is a yes/no self-declaration; pauses have no
reason; the biographical narrative stays with the trainee. So the schema has no place for any of it, and this
test keeps it that way: every table and column name of ``db.metadata`` (every package's models) and every key of
the shipped programme files is split into words and checked against a French and English list of stems.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import pytest
import sqlalchemy as sa
import yaml

from core.db import db
from courses.programme_spec import PROGRAMMES_DIR

#: Stems, matched at the start of any word of an identifier ("diagnos" catches diagnosis, diagnostic…).
FORBIDDEN = (
    # health and care
    "health",
    "sante",
    "santé",
    "diagnos",
    "illness",
    "ill",
    "disease",
    "maladie",
    "malade",
    "sick",
    "symptom",
    "patient",
    "medical",
    "medic",
    "médic",
    "treatment",
    "traitement",
    "therap",
    "thérap",
    "psychiat",
    "psych",
    "mental",
    "disorder",
    "trouble",
    "disabilit",
    "handicap",
    "invalid",
    # substances
    "addict",
    "addiction",
    "drug",
    "drogue",
    "substance",
    "alcohol",
    "alcool",
    "abstinen",
    "sobriet",
    "sobre",
    "relapse",
    "rechute",
    "overdose",
    "methadon",
    # life history and circumstances
    "history",
    "historique",
    "biograph",
    "life",
    "vie",
    "story",
    "recit",
    "récit",
    "narrative",
    "vecu",
    "vécu",
    "lived",
    "trauma",
    "suffering",
    "souffrance",
    "recovery",
    "retablissement",
    "rétablissement",
    "stabili",
    "poverty",
    "pauvret",
    "precarit",
    "précarit",
    "homeless",
    "sans",
    "abri",
    "migration",
    "migrant",
    "asylum",
    "asile",
    "immigration",
    "refugee",
    "réfugi",
    "nationality",
    "nationalit",
    "ethnic",
    "religio",
    "sexual",
    "sexuel",
    "prison",
    "incarcerat",
    "criminal",
    "casier",
    "conviction",
    "prostitut",
)

#: Words that start like a stem but mean something else. Each entry says why; keep the list short.
ALLOWED_WORDS = {
    "lifetime": "how long a token or a session lasts (durée de vie), not a person's life",
    "lifecycle": "the states of a record (a badge, a job), not a person's life",
    "invalidated": "links or tokens made unusable, not a person's invalidity",
}


def words(identifier: str) -> list[str]:
    """``final_work_recordedAt`` → ["final", "work", "recorded", "at"]."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", identifier)
    return [w for w in re.split(r"[^0-9A-Za-zÀ-ÿ]+", spaced.lower()) if w]


def findings(identifiers: Iterable[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """``(where, identifier, stem)`` for every identifier with a word starting with a forbidden stem."""
    out = []
    for where, identifier in identifiers:
        for word in words(identifier):
            if word in ALLOWED_WORDS:
                continue
            stem = next((s for s in FORBIDDEN if word == s or (len(s) > 3 and word.startswith(s))), None)
            if stem:
                out.append((where, identifier, stem))
                break
    return out


def schema_identifiers(metadata: sa.MetaData) -> Iterator[tuple[str, str]]:
    for table in metadata.sorted_tables:
        yield "table", table.name
        for column in table.columns:
            yield f"column of {table.name}", column.name


def yaml_keys(value, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield path or "(top)", str(key)
            yield from yaml_keys(inner, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for item in value:
            yield from yaml_keys(item, f"{path}[]")


def test_no_table_or_column_can_hold_health_or_life_history(app):
    assert len(db.metadata.sorted_tables) > 20  # every package's models are loaded
    assert findings(schema_identifiers(db.metadata)) == []


@pytest.mark.parametrize("path", sorted(PROGRAMMES_DIR.glob("*.yaml")), ids=lambda p: p.name)
def test_no_programme_file_has_a_key_for_health_or_life_history(path):
    keys = list(yaml_keys(yaml.safe_load(path.read_text(encoding="utf-8"))))
    assert len(keys) > 20
    assert findings(keys) == []


@pytest.mark.parametrize(
    "column",
    [
        "diagnosis",
        "health_status",
        "santé",
        "addiction_type",
        "drug_use",
        "life_history",
        "biography",
        "recit_text",
        "lived_experience",
        "recoveryDate",
        "stabilised_since",
        "poverty_level",
        "migration_status",
        "handicap",
        "maladie",
        "pauvrete",
        "criminal_record",
        "relapse_count",
    ],
)
def test_the_check_catches_what_it_must(column):
    metadata = sa.MetaData()
    sa.Table("trainee_profile", metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column(column, sa.Text))
    found = findings(schema_identifiers(metadata))
    assert [identifier for _where, identifier, _stem in found] == [column]


@pytest.mark.parametrize(
    "column", ["legal_name", "display_name", "status", "withdrawn_on", "final_work", "minutes", "token_lifetime"]
)
def test_the_check_leaves_ordinary_columns_alone(column):
    metadata = sa.MetaData()
    sa.Table("t", metadata, sa.Column(column, sa.Text))
    assert findings(schema_identifiers(metadata)) == []
