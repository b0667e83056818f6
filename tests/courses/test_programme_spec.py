"""Programme files: the two shipped programmes, and every way a file can be wrong."""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from courses.programme_spec import (
    EVIDENCE_TYPES,
    PROGRAMMES_DIR,
    AttendanceSpec,
    CompetencySpec,
    ModuleSpec,
    ProgrammeFileError,
    ProgrammeSpec,
    RulesSpec,
    Text,
    load_programme_file,
    parse_programme,
    shipped_programmes,
)

FRAMEWORK = Path(__file__).resolve().parent / "data" / "hetis_framework.yaml"  # the reference, carried by the repo

BASE = {
    "id": "demo-programme",
    "title": {"fr": "Programme de démonstration", "en": "Demo programme"},
    "credential_name": {"fr": "Attestation de réussite", "en": "Certificate of achievement"},
    "modules": [
        {
            "code": "A1",
            "title": {"fr": "Module un", "en": "Module one"},
            "competencies": [
                {"code": "C-A1-01", "title": {"fr": "Écouter", "en": "Listen"}, "evidence": ["E-OBS", "E-TUTEUR"]},
                {"code": "C-A1-02", "title": {"fr": "Rédiger", "en": "Write"}, "evidence": ["E-ECRIT"]},
            ],
        },
        {
            "code": "A2",
            "title": {"fr": "Module deux", "en": "Module two"},
            "competencies": [
                {"code": "C-A2-01", "title": {"fr": "Animer", "en": "Facilitate"}, "evidence": ["E-COANIM"]},
            ],
        },
    ],
    "rules": {
        "attendance": {"threshold_percent": 75, "basis": "hours", "scope": "programme", "excused": "absent"},
        "placement_hours": 140,
        "final_work": True,
        "competencies": "all",
        "co_validation": False,
    },
}


def base() -> dict:
    return copy.deepcopy(BASE)


def dump(data: dict) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def errors_of(text: str, filename: str = "demo.yaml") -> list[tuple[str, str]]:
    with pytest.raises(ProgrammeFileError) as info:
        parse_programme(text, filename)
    assert info.value.file == filename
    return info.value.errors


# --- The shipped programmes ----------------------------------------------------------------------------------


def test_shipped_programmes_are_listed():
    names = [p.name for p in shipped_programmes()]
    assert {"hetis-initial.yaml", "umons-certificate.yaml"} <= set(names)
    assert names == sorted(names)


@pytest.mark.parametrize("path", shipped_programmes(), ids=lambda p: p.name)
def test_shipped_file_parses_and_round_trips(path):
    spec = load_programme_file(path)
    assert spec.id == path.stem
    assert parse_programme(dump(spec.to_data()), path.name) == spec
    hash(spec)  # frozen all the way down (format is left out of the hash)


@pytest.mark.parametrize("path", shipped_programmes(), ids=lambda p: p.name)
def test_shipped_titles_attest_skills_only(path):
    """No diagnosis, substance or life event in anything that can end up on a public badge (domain.md §4)."""
    spec = load_programme_file(path)
    public = [spec.title, spec.credential_name] + [m.title for m in spec.modules]
    public += [c.title for m in spec.modules for c in m.competencies]
    forbidden = ("diagnos", "patient", "malade", "toxico", "drogue", "abstinen", "rechut", "prison", "substance")
    for text in public:
        for word in forbidden:
            assert word not in text.fr.lower() and word not in text.en.lower(), (word, text)


def test_hetis_structure_and_rules():
    spec = load_programme_file(PROGRAMMES_DIR / "hetis-initial.yaml")
    assert [m.code for m in spec.modules] == ["M1", "M2", "M3"]
    codes = spec.competency_codes()
    assert len(codes) == 25 == len(set(codes))
    assert [len(m.competencies) for m in spec.modules] == [6, 9, 10]
    for module in spec.modules:
        assert all(c.code.startswith(f"C-{module.code}-") for c in module.competencies)
        assert all(c.description is not None for c in module.competencies)
    assert spec.competency("C-M2-01").evidence == ("E-RECIT",)
    assert spec.competency("C-M2-09").evidence == ("E-PRESENCE",)
    assert spec.credential_name == Text("Attestation de réussite", "Certificate of achievement", "Attest van slagen")
    assert spec.rules == RulesSpec(
        attendance=AttendanceSpec(threshold_percent=75, basis="hours", scope="programme", excused="absent"),
        placement_hours=140,
        final_work=True,
        competencies="all",
        co_validation=False,
    )
    assert spec.required_competencies() == frozenset(codes)
    assert spec.format == {
        "mode": "alternance",
        "practice_days_per_week": {"min": 1, "max": 2},
        "practice_types": ["stage", "emploi"],
        "duration_months": 5,
    }


def test_hetis_matches_the_reference_framework():
    framework = yaml.safe_load(FRAMEWORK.read_text(encoding="utf-8"))
    spec = load_programme_file(PROGRAMMES_DIR / "hetis-initial.yaml")
    assert [m["id"] for m in framework["modules"]] == [m.code for m in spec.modules]
    for expected_module, module in zip(framework["modules"], spec.modules, strict=True):
        assert (module.title.fr, module.title.en) == (expected_module["title_fr"], expected_module["title_en"])
        expected = [
            (c["id"], c["title_fr"], c["title_en"], tuple(c["evidence"])) for c in expected_module["competencies"]
        ]
        actual = [(c.code, c.title.fr, c.title.en, c.evidence) for c in module.competencies]
        assert actual == expected


def test_evidence_types_match_the_reference_list():
    reference = yaml.safe_load(FRAMEWORK.read_text(encoding="utf-8"))["evidence_types"]
    assert [e["id"] for e in reference] == list(EVIDENCE_TYPES)
    for entry in reference:
        assert EVIDENCE_TYPES[entry["id"]]["fr"].lower() == entry["fr"].lower()


@pytest.mark.parametrize("path", sorted(PROGRAMMES_DIR.glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_programmes_use_only_known_evidence_types(path):
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    used = [e for module in raw["modules"] for c in module["competencies"] for e in c.get("evidence", ())]
    assert set(used) <= set(EVIDENCE_TYPES), f"{path.name}: unknown {sorted(set(used) - set(EVIDENCE_TYPES))}"


def test_evidence_types_are_the_eight_known_codes_with_their_three_labels():
    assert set(EVIDENCE_TYPES) == {
        "E-OBS",
        "E-ANALYSE",
        "E-TUTEUR",
        "E-COANIM",
        "E-ECRIT",
        "E-TRAVAIL",
        "E-PRESENCE",
        "E-RECIT",
    }
    assert all(set(labels) == {"fr", "en", "nl"} and all(labels.values()) for labels in EVIDENCE_TYPES.values())


def test_umons_structure_and_rules():
    spec = load_programme_file(PROGRAMMES_DIR / "umons-certificate.yaml")
    assert [m.code for m in spec.modules] == ["S1", "S2", "S3", "S4"]
    assert spec.rules.placement_hours == 200
    assert spec.rules.attendance == AttendanceSpec(75, "sessions", "programme", "absent")
    assert spec.rules.final_work is True
    assert spec.rules.competencies == "all"
    research = spec.module("S4")
    assert research.optional and research.competencies == ()
    assert not any(m.optional for m in spec.modules[:3])
    assert all(m.competencies for m in spec.modules[:3])
    for module in spec.modules:
        assert all(c.code.startswith(f"C-{module.code}-") for c in module.competencies)
    assert spec.required_competencies() == frozenset(spec.competency_codes())
    assert len(spec.competency_codes()) == 8
    assert spec.credential_name.fr == "Attestation de réussite"


# --- Bad files -----------------------------------------------------------------------------------------------


def _set(data: dict, dotted: str, value) -> dict:
    """Set (or delete, with value=...) a key given as "rules.attendance.basis" / "modules.1.code"."""
    *parents, last = dotted.split(".")
    node = data
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if value is ...:
        del node[last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return data


def _changed(*changes: tuple[str, object]) -> str:
    data = base()
    for dotted, value in changes:
        _set(data, dotted, value)
    return dump(data)


BAD_FILES = [
    pytest.param(
        "id: demo\ntitle: {fr: a, en: b}\nmodules: [unclosed\nrules: {}\n",
        "",
        "invalid YAML at line 4",
        id="invalid-yaml",
    ),
    pytest.param("- just\n- a list\n", "", "expected a mapping at the top level, got a list", id="top-level-list"),
    pytest.param("", "", "the file is empty", id="empty-file"),
    pytest.param(_changed(("colour", "blue")), "colour", "unknown key 'colour'", id="unknown-top-level-key"),
    pytest.param(_changed(("titel", "x")), "titel", "did you mean 'title'?", id="unknown-key-suggests"),
    pytest.param(_changed(("title.en", ...)), "title.en", "missing required key", id="missing-title-en"),
    pytest.param(_changed(("rules", ...)), "rules", "missing required key", id="missing-rules"),
    pytest.param(_changed(("title.fr", "  ")), "title.fr", "must not be empty", id="empty-title-fr"),
    pytest.param(_changed(("title.de", "Titel")), "title.de", "unknown key 'de'", id="unknown-language"),
    pytest.param(_changed(("title.nl", " ")), "title.nl", "must not be empty", id="empty-title-nl"),
    pytest.param(_changed(("credential_name", "Attestation")), "credential_name", "expected a mapping", id="text-str"),
    pytest.param(_changed(("id", "Demo_Programme")), "id", "lowercase letters, digits", id="id-not-a-slug"),
    pytest.param(
        _changed(("modules.1.competencies.0.code", "C-A1-01")),
        "modules[1].competencies[0].code",
        "duplicate code C-A1-01 (first used at modules[0].competencies[0].code)",
        id="duplicate-competency-code-across-modules",
    ),
    pytest.param(
        _changed(("modules.1.code", "A1")), "modules[1].code", "duplicate code A1", id="duplicate-module-code"
    ),
    pytest.param(_changed(("modules.0.code", "m-1")), "modules[0].code", "invalid code 'm-1'", id="bad-module-code"),
    pytest.param(
        _changed(("modules.0.competencies.1.code", "c a1 02")),
        "modules[0].competencies[1].code",
        "invalid code",
        id="bad-competency-code",
    ),
    pytest.param(
        _changed(("modules.0.competencies.0.evidence", ["E-OBS", "E-FOO"])),
        "modules[0].competencies[0].evidence[1]",
        "unknown evidence type 'E-FOO'",
        id="unknown-evidence-code",
    ),
    pytest.param(
        _changed(("modules.0.competencies.0.evidence", [])),
        "modules[0].competencies[0].evidence",
        "non-empty list",
        id="no-evidence",
    ),
    pytest.param(
        _changed(("rules.attendance.threshold_percent", 120)),
        "rules.attendance.threshold_percent",
        "between 0 and 100, got 120",
        id="threshold-120",
    ),
    pytest.param(
        _changed(("rules.attendance.threshold_percent", 75.5)),
        "rules.attendance.threshold_percent",
        "expected an integer",
        id="threshold-float",
    ),
    pytest.param(
        _changed(("rules.attendance.basis", "days")),
        "rules.attendance.basis",
        "must be one of hours, sessions; got string 'days'",
        id="basis-days",
    ),
    pytest.param(
        _changed(("rules.attendance.scope", "module")), "rules.attendance.scope", "programme, each_module", id="scope"
    ),
    pytest.param(
        _changed(("rules.attendance.excused", "present")), "rules.attendance.excused", "absent, neutral", id="excused"
    ),
    pytest.param(
        _changed(("rules.competencies", ["C-A1-01", "C-ZZ-99"])),
        "rules.competencies[1]",
        "unknown competency code 'C-ZZ-99'",
        id="competencies-unknown-code",
    ),
    pytest.param(
        _changed(("rules.competencies", "some")),
        "rules.competencies",
        "expected 'all', 'none' or a list",
        id="competencies-bad-word",
    ),
    pytest.param(_changed(("rules.competencies", [])), "rules.competencies", "write 'none'", id="competencies-empty"),
    pytest.param(
        _changed(("rules.placement_hours", -5)),
        "rules.placement_hours",
        "must be 0 or more, got -5",
        id="hours-negative",
    ),
    pytest.param(
        _changed(("rules.final_work", "true")),
        "rules.final_work",
        "expected a boolean (true or false), got string 'true'",
        id="final-work-string",
    ),
    pytest.param(_changed(("rules.co_validation", 1)), "rules.co_validation", "expected a boolean", id="co-valid-int"),
    pytest.param(_changed(("modules", [])), "modules", "at least one module", id="empty-modules"),
    pytest.param(_changed(("modules", {"M1": "x"})), "modules", "expected a list of modules", id="modules-mapping"),
    pytest.param(
        _changed(("modules.1.optional", True)),
        "rules.competencies",
        "'all' would also require C-A2-01, from an optional module",
        id="all-requires-optional-module",
    ),
    pytest.param(
        _changed(("modules.1.optional", True), ("rules.competencies", ["C-A2-01"])),
        "rules.competencies[0]",
        "belongs to optional module A2",
        id="list-requires-optional-module",
    ),
    pytest.param(
        _changed(("format", {"practice_days_per_week": {"min": 3, "max": 2}})),
        "format.practice_days_per_week",
        "min (3) must not exceed max (2)",
        id="format-days-range",
    ),
    pytest.param(
        _changed(("format", {"practice_types": ["stage", "bénévolat"]})),
        "format.practice_types[1]",
        "must be one of stage, emploi",
        id="format-practice-type",
    ),
    pytest.param(
        dump(base()).replace("id: demo-programme\n", "id: demo-programme\nid: other\n"),
        "id",
        "key 'id' is written twice (lines 1 and 2)",
        id="duplicate-yaml-key",
    ),
]


@pytest.mark.parametrize(("text", "path", "fragment"), BAD_FILES)
def test_bad_file_reports_the_key_path_and_reason(text, path, fragment):
    errors = errors_of(text)
    assert len(errors) == 1, errors
    assert errors[0][0] == path
    assert fragment in errors[0][1]


def test_error_message_has_one_line_per_problem():
    text = _changed(("modules.1.competencies.0.code", "C-A1-01"), ("rules.placement_hours", -5))
    with pytest.raises(ProgrammeFileError) as info:
        parse_programme(text, "hetis-initial.yaml")
    assert str(info.value).splitlines() == [
        "hetis-initial.yaml: modules[1].competencies[0].code: duplicate code C-A1-01 "
        "(first used at modules[0].competencies[0].code)",
        "hetis-initial.yaml: rules.placement_hours: must be 0 or more, got -5",
    ]
    assert isinstance(info.value, ValueError)


def test_yaml_syntax_error_message_names_the_file_and_line():
    with pytest.raises(ProgrammeFileError) as info:
        parse_programme("id: demo\ntitle: {fr: a\n", "broken.yaml")
    assert str(info.value).startswith("broken.yaml: invalid YAML at line ")


def test_every_problem_is_reported_not_just_the_first():
    text = _changed(
        ("colour", "blue"),
        ("title.en", ...),
        ("modules.0.competencies.0.evidence", ["E-FOO"]),
        ("modules.1.competencies.0.code", "C-A1-01"),
        ("rules.attendance.threshold_percent", 120),
        ("rules.attendance.basis", "days"),
        ("rules.placement_hours", -5),
        ("rules.final_work", "true"),
    )
    paths = [path for path, _ in errors_of(text)]
    assert sorted(paths) == sorted(
        [
            "colour",
            "title.en",
            "modules[0].competencies[0].evidence[0]",
            "modules[1].competencies[0].code",
            "rules.attendance.threshold_percent",
            "rules.attendance.basis",
            "rules.placement_hours",
            "rules.final_work",
        ]
    )


def test_yaml_booleans_are_booleans_but_strings_are_not():
    spec = parse_programme(dump(base()).replace("final_work: true", "final_work: yes"), "demo.yaml")
    assert spec.rules.final_work is True
    assert errors_of(dump(base()).replace("final_work: true", "final_work: 'yes'"))[0][0] == "rules.final_work"


def test_load_programme_file_requires_the_id_to_match_the_file_name(tmp_path):
    path = tmp_path / "another-name.yaml"
    path.write_text(dump(base()), encoding="utf-8")
    with pytest.raises(ProgrammeFileError) as info:
        load_programme_file(path)
    assert info.value.file == "another-name.yaml"
    assert info.value.errors == [("id", "id 'demo-programme' does not match the file name; expected 'another-name'")]
    good = tmp_path / "demo-programme.yaml"
    good.write_text(dump(base()), encoding="utf-8")
    assert load_programme_file(good).id == "demo-programme"


def test_load_programme_file_refuses_non_utf8(tmp_path):
    path = tmp_path / "demo-programme.yaml"
    path.write_bytes(dump(base()).replace("Écouter", "X").encode() + b"# \xe9\n")
    with pytest.raises(ProgrammeFileError, match="not UTF-8"):
        load_programme_file(path)


# --- The API -------------------------------------------------------------------------------------------------


def test_parsed_minimal_file():
    spec = parse_programme(dump(base()), "demo.yaml")
    assert spec.description is None and spec.format == {}
    assert spec.competency_codes() == ("C-A1-01", "C-A1-02", "C-A2-01")
    assert spec.module("A2").competencies[0] == CompetencySpec(
        "C-A2-01", Text("Animer", "Facilitate"), None, ("E-COANIM",)
    )
    with pytest.raises(KeyError):
        spec.competency("C-ZZ-01")
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.id = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("competencies", "expected"),
    [
        pytest.param("all", {"C-A1-01", "C-A1-02", "C-A2-01"}, id="all"),
        pytest.param("none", set(), id="none"),
        pytest.param(["C-A2-01", "C-A1-01"], {"C-A1-01", "C-A2-01"}, id="list"),
    ],
)
def test_required_competencies(competencies, expected):
    spec = parse_programme(_changed(("rules.competencies", competencies)), "demo.yaml")
    assert spec.rules.required_competencies(spec) == frozenset(expected)
    assert spec.required_competencies() == frozenset(expected)


def test_text_get_falls_back_to_french():
    text = Text(fr="Bonjour", en="Hello")
    assert text.get("en") == "Hello"
    assert text.get("en_GB") == "Hello"
    assert text.get("fr") == "Bonjour"
    assert text.get("nl") == "Bonjour"
    assert text.get(None) == "Bonjour"
    assert Text(fr="Bonjour", en="").get("en") == "Bonjour"
    dutch = Text(fr="Bonjour", en="Hello", nl="Hallo")
    assert dutch.get("nl") == dutch.get("nl_BE") == "Hallo" and dutch.get("de") == "Bonjour"
    assert dutch.to_data() == {"fr": "Bonjour", "en": "Hello", "nl": "Hallo"}
    assert text.to_data() == {"fr": "Bonjour", "en": "Hello"}


def _text_mappings(node) -> list[dict]:
    """Every ``{fr, en, …}`` mapping in a parsed YAML document."""
    if isinstance(node, dict):
        own = [node] if "fr" in node and "en" in node else []
        return own + [text for value in node.values() for text in _text_mappings(value)]
    if isinstance(node, list):
        return [text for value in node for text in _text_mappings(value)]
    return []


def test_shipped_programmes_carry_dutch_wherever_they_carry_english():
    """Every text of the shipped programmes (titles, descriptions, badge names, signatories' roles) has Dutch."""
    for path in sorted(PROGRAMMES_DIR.glob("*.yaml")):
        texts = _text_mappings(yaml.safe_load(path.read_text(encoding="utf-8")))
        assert len(texts) > 20, path.name
        assert [t["en"] for t in texts if not str(t.get("nl") or "").strip()] == [], path.name
        load_programme_file(path)  # and the file is still valid


def test_texts_are_stripped():
    spec = parse_programme(_changed(("title", {"fr": "  Titre\n", "en": "Title "})), "demo.yaml")
    assert spec.title == Text("Titre", "Title")


# --- Round trip of generated specifications ------------------------------------------------------------------

_clean = st.text(
    alphabet=st.characters(categories=("L", "N", "P", "S", "Zs"), exclude_characters="\x85\u2028\u2029"),
    min_size=1,
    max_size=30,
).filter(lambda s: s == s.strip() and s.strip())
_texts = st.builds(Text, fr=_clean, en=_clean, nl=st.none() | _clean)
_days = st.one_of(
    st.integers(0, 7),
    st.tuples(st.integers(0, 7), st.integers(0, 7)).map(lambda t: {"min": min(t), "max": max(t)}),
)
_formats = st.fixed_dictionaries(
    {},
    optional={
        "mode": st.sampled_from(["alternance", "cours-du-soir"]),
        "training_days_per_week": _days,
        "practice_days_per_week": _days,
        "practice_types": st.sampled_from([["stage"], ["emploi"], ["stage", "emploi"]]),
        "duration_months": st.integers(1, 36),
    },
)


@st.composite
def programme_specs(draw) -> ProgrammeSpec:
    module_codes = draw(
        st.lists(st.from_regex(r"[A-Z]{1,2}[0-9]{1,2}", fullmatch=True), min_size=1, max_size=4, unique=True)
    )
    modules = []
    for module_code in module_codes:
        count = draw(st.integers(0, 3))
        competencies = tuple(
            CompetencySpec(
                code=f"C-{module_code}-{index:02d}",
                title=draw(_texts),
                description=draw(st.none() | _texts),
                evidence=tuple(
                    draw(st.lists(st.sampled_from(list(EVIDENCE_TYPES)), min_size=1, max_size=3, unique=True))
                ),
            )
            for index in range(1, count + 1)
        )
        modules.append(ModuleSpec(code=module_code, title=draw(_texts), competencies=competencies))
    codes = [c.code for m in modules for c in m.competencies]
    choices = [st.just("all"), st.just("none")]
    if codes:
        choices.append(st.lists(st.sampled_from(codes), min_size=1, unique=True).map(tuple))
    rules = RulesSpec(
        attendance=AttendanceSpec(
            threshold_percent=draw(st.integers(0, 100)),
            basis=draw(st.sampled_from(["hours", "sessions"])),
            scope=draw(st.sampled_from(["programme", "each_module"])),
            excused=draw(st.sampled_from(["absent", "neutral"])),
        ),
        placement_hours=draw(st.integers(0, 2000)),
        final_work=draw(st.booleans()),
        competencies=draw(st.one_of(choices)),
        co_validation=draw(st.booleans()),
    )
    return ProgrammeSpec(
        id=draw(st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,2}", fullmatch=True)),
        title=draw(_texts),
        credential_name=draw(_texts),
        description=draw(st.none() | _texts),
        format=draw(_formats),
        modules=tuple(modules),
        rules=rules,
    )


@settings(database=None, max_examples=100, deadline=None)
@given(programme_specs())
def test_generated_spec_round_trips_through_yaml(spec):
    assert parse_programme(yaml.safe_dump(spec.to_data(), allow_unicode=True), "generated.yaml") == spec
    assert parse_programme(yaml.safe_dump(spec.to_data()), "generated.yaml") == spec  # ASCII-escaped too


# --- The minimal competency and the reference page ------------------------------------------------------------

REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "programmes.md"


def test_a_minimal_competency_accepts_every_evidence_type(tmp_path):
    data = base()
    data["id"] = "minimal-programme"
    data["modules"][0]["competencies"][0] = {
        "code": "C-A1-01",
        "title": {"fr": "Écouter", "en": "Listen"},
        "description": {"fr": "Écouter sans juger.", "en": "Listen without judging."},
    }
    path = tmp_path / "minimal-programme.yaml"
    path.write_text(dump(data), encoding="utf-8")
    spec = load_programme_file(path)
    assert spec.competency("C-A1-01").evidence == tuple(EVIDENCE_TYPES)
    assert spec.competency("C-A1-01").description == Text("Écouter sans juger.", "Listen without judging.")
    assert spec.competency("C-A1-02").evidence == ("E-ECRIT",)  # a listed one is kept as written
    assert parse_programme(dump(spec.to_data()), "again.yaml") == spec


ESCO_SKILL = {
    "framework": "esco",
    "url": "http://data.europa.eu/esco/skill/11111111-2222-4333-8444-555555555555",
    "name": {"fr": "Écouter activement", "en": "Listen actively"},
}
ROME = {
    "framework": "rome",
    "code": "K1234",
    "url": "https://rome.example.org/K1234",
    "name": {"fr": "Fiche de test", "en": "Test fiche"},
}
RNCP = {
    "framework": "rncp",
    "code": "RNCP12345",
    "url": "https://rncp.example.org/RNCP12345",
    "name": {"fr": "Titre de test", "en": "Test title", "nl": "Testtitel"},
}
OTHER = {
    "framework": "https://framework.example.org",
    "url": "https://framework.example.org/node/7",
    "name": {"fr": "Nœud", "en": "Node"},
}


def _every_block() -> dict:
    """A programme using every block the parser knows (format with both kinds of days, an optional module, a
    description, badges with skills, a certificate with signatories)."""
    data = base()
    data["description"] = {"fr": "Une description.", "en": "A description."}
    data["format"] = {
        "mode": "alternance",
        "training_days_per_week": 2,
        "practice_days_per_week": {"min": 1, "max": 3},
        "practice_types": ["stage"],
        "duration_months": 12,
    }
    data["modules"].append(
        {"code": "R1", "title": {"fr": "Recherche", "en": "Research"}, "optional": True, "competencies": []}
    )
    data["badges"] = {
        "name": {"fr": "Nom neutre", "en": "Neutral name"},
        "valid_for_years": 5,
        "unpublished": ["C-A2-01"],
        "skills": [{"code": "B-LIEN", "title": {"fr": "Lien", "en": "Bond"}, "competencies": ["C-A1-01"]}],
    }
    data["certificate"] = {
        "layout": "landscape",
        "place": "Mons",
        "signatories": [{"name": "Claire", "role": {"fr": "Coordinatrice", "en": "Coordinator"}, "signature": "a.svg"}],
    }
    data["documents"] = {
        "nature": "vae",
        "objectives": {"fr": "Objectifs", "en": "Objectives"},
        "what_to_bring": {"fr": "Un stylo", "en": "A pen"},
        "contact": "Claire, 02 000 00 00",
        "accessibility_referent": "Noël, 02 000 00 01",
    }
    data["funding"] = {"objective": "rncp", "level": 5, "nsf": "332t", "esf_plus": True}
    data["modules"][0]["alignments"] = [ROME]
    data["modules"][0]["competencies"][0]["alignments"] = [ESCO_SKILL]
    data["badges"]["alignments"] = [RNCP]
    data["badges"]["skills"][0]["alignments"] = [{**OTHER, "code": "X1", "type": "CFItem"}]
    return data


def _with_unknown_key_everywhere(value):
    if isinstance(value, dict):
        return {**{k: _with_unknown_key_everywhere(v) for k, v in value.items()}, "zz_not_a_key": 1}
    if isinstance(value, list):
        return [_with_unknown_key_everywhere(item) for item in value]
    return value


def test_every_key_the_parser_accepts_is_documented():
    """docs/programmes.md cannot drift: the keys are read from the parser's own answers (an unknown key in every
    mapping makes it list the keys it allows there), then looked for in the reference page, in backquotes."""
    spec = parse_programme(dump(_every_block()), "all.yaml")  # the file is valid as it is
    assert spec.format and spec.badges.skills and spec.certificate.signatories
    errors = errors_of(dump(_with_unknown_key_everywhere(_every_block())))
    allowed = set()
    for _path, reason in errors:
        if reason.startswith("unknown key 'zz_not_a_key'"):
            allowed.update(reason.split("allowed keys: ", 1)[1].split(", "))
    assert {"signature", "min", "fr", "unpublished", "excused", "optional", "evidence"} <= allowed  # every block seen
    values = {
        *EVIDENCE_TYPES,
        "all",
        "none",
        "hours",
        "sessions",
        "programme",
        "each_module",
        "absent",
        "neutral",
        "stage",
        "emploi",
        "portrait",
        "landscape",
        "action_de_formation",
        "bilan_de_competences",
        "vae",
        "apprentissage",
        "rncp",
        "rs",
        "cqp",
        "other",
        "skills_review",
        "esco",
        "rome",
    }
    page = REFERENCE.read_text(encoding="utf-8")
    undocumented = sorted(name for name in allowed | values if f"`{name}`" not in page)
    assert undocumented == [], f"docs/programmes.md does not document {undocumented}"
    assert "courses/programmes/" in page and "named after its `id`" in page


def test_the_reference_page_s_minimal_example_loads(tmp_path):
    page = REFERENCE.read_text(encoding="utf-8")
    example = page.split("## A minimal file", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "demo-programme.yaml"
    path.write_text(example, encoding="utf-8")
    spec = load_programme_file(path)
    assert spec.competency("C-M1-01").evidence == tuple(EVIDENCE_TYPES)


def test_the_funding_block_is_checked_and_round_trips():
    data = _every_block()
    spec = parse_programme(dump(data), "all.yaml")
    assert (spec.funding.objective, spec.funding.level, spec.funding.nsf, spec.funding.esf_plus) == (
        "rncp",
        5,
        "332t",
        True,
    )
    assert parse_programme(dump(spec.to_data()), "all.yaml") == spec
    assert parse_programme(dump({**data, "funding": {}}), "all.yaml").funding.objective == "other"
    for funding, where, reason in (
        ({"objective": "diploma"}, "funding.objective", "must be one of"),
        ({"objective": "other", "level": 5}, "funding.level", "only given for an rncp objective"),
        ({"objective": "rncp", "level": 9}, "funding.level", "between 2 and 8"),
        ({"nsf": "33"}, "funding.nsf", "three digits"),
        ({"esf_plus": "yes"}, "funding.esf_plus", "boolean"),
        ({"disability": True}, "funding.disability", "unknown key"),
    ):
        errors = errors_of(dump({**data, "funding": funding}))
        assert any(path == where and reason in message for path, message in errors), errors


# --- Alignments to external frameworks -------------------------------------------------------------------------


def test_alignments_are_read_everywhere_and_round_trip():
    spec = parse_programme(dump(_every_block()), "all.yaml")
    (esco,) = spec.competency("C-A1-01").alignments
    assert (esco.framework_name, esco.target_type, esco.code) == ("ESCO", "ext:ESCOSkill", None)
    (rome,) = spec.module("A1").alignments
    assert (rome.framework_name, rome.target_type, rome.code) == ("ROME", "ext:ROMEOccupation", "K1234")
    (rncp,) = spec.badges.alignments
    assert (rncp.target_type, rncp.name.nl) == ("ext:RNCPCertification", "Testtitel")
    (other,) = spec.badges.skills[0].alignments
    assert (other.framework_name, other.target_type) == ("https://framework.example.org", "CFItem")
    assert other.to_record()["target_framework"] == "https://framework.example.org"
    assert parse_programme(dump(spec.to_data()), "all.yaml") == spec
    occupation = {**ESCO_SKILL, "url": ESCO_SKILL["url"].replace("/skill/", "/occupation/")}
    data = _every_block()
    data["modules"][0]["competencies"][0]["alignments"] = [occupation]
    assert parse_programme(dump(data), "all.yaml").competency("C-A1-01").alignments[0].target_type == (
        "ext:ESCOOccupation"
    )


@pytest.mark.parametrize(
    ("entry", "where", "reason"),
    [
        ({**ESCO_SKILL, "url": "https://esco.example.org/skill/1"}, "url", "http://data.europa.eu/esco/skill/<uuid>"),
        ({**ESCO_SKILL, "url": "http://data.europa.eu/esco/isco/C2635"}, "url", "concept's URI"),
        ({**ROME, "code": "K12345"}, "code", "a capital letter then 4 digits"),
        ({**ROME, "code": "k1234"}, "code", "a capital letter then 4 digits"),
        ({k: v for k, v in ROME.items() if k != "code"}, "code", "missing required key"),
        ({**RNCP, "code": "34567"}, "code", "RNCP then digits"),
        ({**RNCP, "framework": "rs", "code": "RNCP1"}, "code", "RS then digits"),
        ({**ROME, "url": "http://rome.example.org/K1234"}, "url", "expected an https:// address"),
        ({**OTHER, "framework": "my-framework"}, "framework", "or the framework's https:// address"),
        ({**OTHER, "framework": "ftp://x.example.org"}, "framework", "https:// address"),
        ({**OTHER, "type": "Skill"}, "type", "ext: then a name"),
        ({**OTHER, "name": {"fr": "Nœud"}}, "name.en", "missing required key"),
        ({**OTHER, "code": 12}, "code", "expected a code"),
        ({**OTHER, "level": 3}, "level", "unknown key 'level'"),
    ],
)
def test_a_wrong_alignment_is_refused_with_its_path(entry, where, reason):
    data = _every_block()
    data["modules"][0]["competencies"][0]["alignments"] = [entry]
    found = [(path, why) for path, why in errors_of(dump(data)) if path.startswith("modules[0].competencies[0]")]
    assert found, "the wrong alignment was accepted"
    path, why = found[0]
    assert path == f"modules[0].competencies[0].alignments[0].{where}"
    assert reason in why


def test_an_alignment_listed_twice_or_an_empty_list_is_refused():
    data = _every_block()
    data["modules"][0]["alignments"] = [ROME, {**ROME, "name": {"fr": "Autre", "en": "Other"}}]
    data["badges"]["alignments"] = []
    errors = dict(errors_of(dump(data)))
    assert "listed twice" in errors["modules[0].alignments[1].url"]
    assert "non-empty list of alignments" in errors["badges.alignments"]
