"""Programmes as data: parse and validate a programme YAML file into frozen dataclasses.

A programme file (``courses/programmes/<id>.yaml``) describes one training programme: its titles, modules,
competencies with the evidence a trainer looks at, and the rules a trainee must meet to earn the credential.
This module is pure (standard library and PyYAML only): it knows nothing of Flask or the database.

``parse_programme`` reports *every* problem it finds at once, each with the key path where it was found, so
that whoever edits a file can fix it in one go::

    hetis-initial.yaml: modules[1].competencies[0].code: duplicate code C-M1-01 (first used at modules[0]...)

Only ``yaml.safe_load`` builds values; ``yaml.compose`` (nodes only, nothing is constructed) is used to catch
keys written twice in one mapping, which PyYAML would otherwise keep silently, the last one winning.
"""

from __future__ import annotations

import copy
import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml

#: The kinds of evidence a trainer looks at before validating a competency (shared/domain.md §2).
#: E-RECIT records only that the biographical work was done and discussed: the narrative is never uploaded.
EVIDENCE_TYPES: dict[str, dict[str, str]] = {
    "E-OBS": {
        "fr": "Grille d'observation en mise en situation / jeu de rôle",
        "en": "Observation grid from a role play",
        "nl": "Observatierooster bij een rollenspel",
    },
    "E-ANALYSE": {
        "fr": "Analyse de pratique ou étude de situation écrite",
        "en": "Written practice analysis or situation study",
        "nl": "Geschreven praktijkanalyse of situatiestudie",
    },
    "E-TUTEUR": {
        "fr": "Attestation du référent de stage (heures + observations)",
        "en": "Placement referent attestation (hours + observations)",
        "nl": "Attest van de stagebegeleider (uren + observaties)",
    },
    "E-COANIM": {
        "fr": "Plan et débriefing d'une co-animation",
        "en": "Co-facilitation plan and debrief",
        "nl": "Plan en nabespreking van een co-begeleiding",
    },
    "E-ECRIT": {
        "fr": "Écrit professionnel anonymisé",
        "en": "Anonymised writing sample",
        "nl": "Geanonimiseerde professionele tekst",
    },
    "E-TRAVAIL": {
        "fr": "Travail de fin de formation",
        "en": "Final piece of work",
        "nl": "Eindwerk",
    },
    "E-PRESENCE": {
        "fr": "Présence aux intervisions (présence seulement)",
        "en": "Intervision attendance only",
        "nl": "Aanwezigheid op intervisies (alleen aanwezigheid)",
    },
    "E-RECIT": {
        "fr": "Travail biographique réalisé et discuté (case à cocher + date; contenu jamais versé)",
        "en": "Biographical work done and discussed (tick + date only; content never uploaded)",
        "nl": "Biografisch werk gedaan en besproken (vinkje + datum; inhoud nooit opgeladen)",
    },
}

#: A competency's evidence when its file lists none: every type, in the order above.
ALL_EVIDENCE: tuple[str, ...] = tuple(EVIDENCE_TYPES)

ATTENDANCE_BASES = ("hours", "sessions")
ATTENDANCE_SCOPES = ("programme", "each_module")
EXCUSED_MODES = ("absent", "neutral")
PRACTICE_TYPES = ("stage", "emploi")

PROGRAMMES_DIR = Path(__file__).resolve().parent / "programmes"

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_MODULE_CODE = re.compile(r"[A-Z]+[0-9]+")
_COMPETENCY_CODE = re.compile(r"[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+")

_TOP_REQUIRED = ("id", "title", "credential_name", "modules", "rules")
_TOP_OPTIONAL = ("description", "format", "badges", "certificate", "documents", "funding")
_FUNDING_OPTIONAL = ("objective", "level", "nsf", "esf_plus")
#: The BPF's general objectives of a training (Cerfa 10443, cadre F-3): a diploma or title registered in the
#: RNCP, a certification of the specific register (RS), a CQP in neither, other vocational training, a skills
#: review (bilan de compétences), support towards the validation of prior learning (VAE).
BPF_OBJECTIVES = ("rncp", "rs", "cqp", "other", "skills_review", "vae")
#: RNCP levels (the European framework's 2 to 8) that the BPF asks about for an ``rncp`` objective.
RNCP_LEVELS = (2, 3, 4, 5, 6, 7, 8)
_NSF_CODE = re.compile(r"[0-9]{3}[a-z]?")
_BADGES_OPTIONAL = ("name", "valid_for_years", "skills", "unpublished", "alignments")
_SKILL_REQUIRED = ("code", "title", "competencies")
_SKILL_OPTIONAL = ("alignments",)
_BADGE_CODE = re.compile(r"B-[A-Z0-9]+(?:-[A-Z0-9]+)*")
_CERTIFICATE_OPTIONAL = ("layout", "place", "signatories")
_SIGNATORY_REQUIRED = ("name", "role")
#: Certificate designs shipped in templates/courses/certificates/ (a programme may also have its own template,
#: ``<programme id>.html`` there, which wins).
CERTIFICATE_LAYOUTS = ("portrait", "landscape")
#: A signature image: a file of the static folder (SVG, PNG or JPEG), never a URL.
_STATIC_IMAGE = re.compile(r"[a-z0-9_-]+(?:/[a-z0-9_.-]+)*\.(?:svg|png|jpe?g)")
_DOCUMENTS_OPTIONAL = ("nature", "objectives", "what_to_bring", "contact", "accessibility_referent")
#: The nature of the action (France, Code du travail L6313-1), written on the certificat de réalisation.
ACTION_NATURES = ("action_de_formation", "bilan_de_competences", "vae", "apprentissage")
_FORMAT_KEYS = ("mode", "training_days_per_week", "practice_days_per_week", "practice_types", "duration_months")
_MODULE_REQUIRED = ("code", "title", "competencies")
_MODULE_OPTIONAL = ("optional", "alignments")
_COMPETENCY_REQUIRED = ("code", "title")
#: Without ``evidence``, a competency accepts every evidence type (the minimal competency: code, title, description).
_COMPETENCY_OPTIONAL = ("description", "evidence", "alignments")
_ALIGNMENT_REQUIRED = ("framework", "url", "name")
_ALIGNMENT_OPTIONAL = ("code", "type")
#: Frameworks known by name (``framework:``), each with its OB 3.0 ``targetFramework`` and default ``targetType``
#: (OB 3.0 B.2.2 AlignmentTargetType: its own values, or an extension ``ext:`` name). Any other framework is
#: named by an absolute https URI. ESCO's default type depends on the concept: skill or occupation.
ALIGNMENT_FRAMEWORKS: dict[str, dict[str, str]] = {
    "esco": {"name": "ESCO", "type": "ext:ESCOSkill"},
    "rome": {"name": "ROME", "type": "ext:ROMEOccupation"},
    "rncp": {"name": "RNCP", "type": "ext:RNCPCertification"},
    "rs": {"name": "RS", "type": "ext:RSCertification"},
}
#: OB 3.0 AlignmentTargetType (B.2.2, and the bundled achievementcredential JSON Schema): these values or ``ext:…``.
ALIGNMENT_TYPES = (
    "ceasn:Competency",
    "ceterms:Credential",
    "CFItem",
    "CFRubric",
    "CFRubricCriterion",
    "CFRubricCriterionLevel",
    "CTDL",
)
_ALIGNMENT_EXT_TYPE = re.compile(r"ext:[A-Za-z0-9.\-_]+")
_ESCO_URI = re.compile(
    r"http://data\.europa\.eu/esco/(skill|occupation)/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
)
#: The code each named framework requires: a ROME fiche (a letter, four digits), an RNCP or RS registration.
_ALIGNMENT_CODES = {
    "rome": (re.compile(r"[A-N][0-9]{4}"), "a ROME code is a capital letter then 4 digits (e.g. K1207)"),
    "rncp": (re.compile(r"RNCP[0-9]+"), "an RNCP code is RNCP then digits (e.g. RNCP34567)"),
    "rs": (re.compile(r"RS[0-9]+"), "an RS code is RS then digits (e.g. RS5678)"),
}
_RULES_REQUIRED = ("attendance", "placement_hours", "final_work", "competencies", "co_validation")
_ATTENDANCE_REQUIRED = ("threshold_percent", "basis", "scope", "excused")


# --- The specification ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """A text in French (first) and English, both required, and Dutch (Belgian usage) when given."""

    fr: str
    en: str
    nl: str | None = None

    def get(self, lang: str | None = None) -> str:
        """The text in ``lang`` ("en", "en_GB", "nl_BE"…); French for any other language or when it is empty."""
        lowered = (lang or "").lower()
        if lowered.startswith("en") and self.en:
            return self.en
        if lowered.startswith("nl") and self.nl:
            return self.nl
        return self.fr

    def to_data(self) -> dict[str, str]:
        data = {"fr": self.fr, "en": self.en}
        if self.nl:
            data["nl"] = self.nl
        return data


@dataclass(frozen=True)
class AlignmentSpec:
    """A node of an external framework a competency or a badge aligns to (OB 3.0 Alignment): an ESCO skill or
    occupation, a ROME fiche, an RNCP or RS certification, or any framework named by an https URI."""

    framework: str  # "esco", "rome", "rncp", "rs", or an https URI
    url: str
    name: Text
    code: str | None = None
    type: str | None = None  # OB 3.0 targetType; by default the framework's (ALIGNMENT_FRAMEWORKS)

    @property
    def framework_name(self) -> str:
        """OB 3.0 ``targetFramework``: the framework's short name, or its URI."""
        known = ALIGNMENT_FRAMEWORKS.get(self.framework)
        return known["name"] if known else self.framework

    @property
    def target_type(self) -> str | None:
        """OB 3.0 ``targetType``: the one written in the file, else the framework's (ESCO: skill or occupation)."""
        if self.type:
            return self.type
        if self.framework == "esco":
            return "ext:ESCOOccupation" if "/esco/occupation/" in self.url else "ext:ESCOSkill"
        known = ALIGNMENT_FRAMEWORKS.get(self.framework)
        return known["type"] if known else None

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"framework": self.framework}
        if self.type:
            data["type"] = self.type
        if self.code:
            data["code"] = self.code
        data["url"] = self.url
        data["name"] = self.name.to_data()
        return data

    def to_record(self) -> dict[str, Any]:
        """What is stored and handed to the badges engine: the file's keys plus the OB 3.0 names."""
        record = self.to_data()
        record["target_framework"] = self.framework_name
        if self.target_type:
            record["target_type"] = self.target_type
        return record


@dataclass(frozen=True)
class CompetencySpec:
    code: str
    title: Text
    description: Text | None
    evidence: tuple[str, ...]
    alignments: tuple[AlignmentSpec, ...] = ()

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "title": self.title.to_data()}
        if self.description is not None:
            data["description"] = self.description.to_data()
        data["evidence"] = list(self.evidence)
        if self.alignments:
            data["alignments"] = [a.to_data() for a in self.alignments]
        return data


@dataclass(frozen=True)
class ModuleSpec:
    code: str
    title: Text
    competencies: tuple[CompetencySpec, ...]
    #: An optional module (e.g. a research strand) never holds a required competency: the parser refuses it.
    optional: bool = False
    #: The module badge's alignments to external frameworks.
    alignments: tuple[AlignmentSpec, ...] = ()

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "title": self.title.to_data()}
        if self.optional:
            data["optional"] = True
        if self.alignments:
            data["alignments"] = [a.to_data() for a in self.alignments]
        data["competencies"] = [c.to_data() for c in self.competencies]
        return data


@dataclass(frozen=True)
class AttendanceSpec:
    threshold_percent: int
    basis: str  # "hours" | "sessions"
    scope: str  # "programme" | "each_module"
    excused: str  # "absent" | "neutral"

    def to_data(self) -> dict[str, Any]:
        return {
            "threshold_percent": self.threshold_percent,
            "basis": self.basis,
            "scope": self.scope,
            "excused": self.excused,
        }


@dataclass(frozen=True)
class RulesSpec:
    attendance: AttendanceSpec
    placement_hours: int
    final_work: bool
    competencies: Literal["all", "none"] | tuple[str, ...]
    co_validation: bool

    def required_competencies(self, programme: ProgrammeSpec) -> frozenset[str]:
        """The codes a trainee must have validated: every competency, none, or the listed ones."""
        if self.competencies == "all":
            return frozenset(programme.competency_codes())
        if self.competencies == "none":
            return frozenset()
        return frozenset(self.competencies)

    def to_data(self) -> dict[str, Any]:
        return {
            "attendance": self.attendance.to_data(),
            "placement_hours": self.placement_hours,
            "final_work": self.final_work,
            "competencies": self.competencies if isinstance(self.competencies, str) else list(self.competencies),
            "co_validation": self.co_validation,
        }


@dataclass(frozen=True)
class SkillBadgeSpec:
    """A stackable badge grouping competencies, with a neutral title a holder can share alone."""

    code: str
    title: Text
    competencies: tuple[str, ...]
    alignments: tuple[AlignmentSpec, ...] = ()

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "code": self.code,
            "title": self.title.to_data(),
            "competencies": list(self.competencies),
        }
        if self.alignments:
            data["alignments"] = [a.to_data() for a in self.alignments]
        return data


@dataclass(frozen=True)
class BadgesSpec:
    """The ``badges:`` block. Every module with required competencies and the programme get a badge anyway;
    this block adds skill badges, names the programme badge when its title cannot be published (badge text
    never names a field of lived experience, e.g. "santé mentale"), and sets an optional validity."""

    name: Text | None = None
    valid_for_years: int | None = None
    skills: tuple[SkillBadgeSpec, ...] = ()
    #: Competencies validated and counted like the others but never written in badge text (e.g. C-M2-09,
    #: self-preservation: nobody else's business).
    unpublished: tuple[str, ...] = ()
    #: The programme badge's alignments to external frameworks.
    alignments: tuple[AlignmentSpec, ...] = ()

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.unpublished:
            data["unpublished"] = list(self.unpublished)
        if self.alignments:
            data["alignments"] = [a.to_data() for a in self.alignments]
        if self.name is not None:
            data["name"] = self.name.to_data()
        if self.valid_for_years is not None:
            data["valid_for_years"] = self.valid_for_years
        if self.skills:
            data["skills"] = [s.to_data() for s in self.skills]
        return data


@dataclass(frozen=True)
class SignatorySpec:
    """Who signs the certificate: a name, a role (French and English) and an optional signature image (a path
    under ``static/``)."""

    name: str
    role: Text
    signature: str | None = None

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "role": self.role.to_data()}
        if self.signature:
            data["signature"] = self.signature
        return data


@dataclass(frozen=True)
class CertificateSpec:
    """The ``certificate:`` block: the design (``portrait``, the default, or ``landscape``), the place written
    beside the date, and the signatories. Without signatories, the platform's defaults apply (configuration
    ``CERTIFICATE_SIGNATORIES``, else the issuer)."""

    layout: str = "portrait"
    place: str | None = None
    signatories: tuple[SignatorySpec, ...] = ()

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.layout != "portrait":
            data["layout"] = self.layout
        if self.place:
            data["place"] = self.place
        if self.signatories:
            data["signatories"] = [s.to_data() for s in self.signatories]
        return data


@dataclass(frozen=True)
class DocumentsSpec:
    """The ``documents:`` block: what the training body's documents say beyond the facts the platform holds —
    the nature of the action (certificat de réalisation), its objectives (attestation de fin de formation), and
    for the convocation what to bring, whom to contact and the disability referent (a name and how to reach
    them; never anything about a trainee)."""

    nature: str = "action_de_formation"
    objectives: Text | None = None
    what_to_bring: Text | None = None
    contact: str | None = None
    accessibility_referent: str | None = None

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.nature != "action_de_formation":
            data["nature"] = self.nature
        for name in ("objectives", "what_to_bring"):
            value = getattr(self, name)
            if value is not None:
                data[name] = value.to_data()
        for name in ("contact", "accessibility_referent"):
            if getattr(self, name):
                data[name] = getattr(self, name)
        return data


@dataclass(frozen=True)
class FundingSpec:
    """The ``funding:`` block, for the funders' documents: the BPF objective (``other`` by default) and, for an
    ``rncp`` objective, the level; the NSF specialty code (formation specialty, e.g. ``332``); whether the
    programme is funded by the ESF+ (then the ESF+ participant indicators may be collected, with consent)."""

    objective: str = "other"
    level: int | None = None
    nsf: str | None = None
    esf_plus: bool = False

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.objective != "other":
            data["objective"] = self.objective
        if self.level is not None:
            data["level"] = self.level
        if self.nsf:
            data["nsf"] = self.nsf
        if self.esf_plus:
            data["esf_plus"] = True
        return data


@dataclass(frozen=True)
class ProgrammeSpec:
    id: str
    title: Text
    credential_name: Text
    description: Text | None
    #: Informational only (no rule reads it): mode, training_days_per_week, practice_days_per_week (an int or
    #: {min, max}), practice_types (stage, emploi), duration_months. Empty when the file has no ``format``.
    format: dict[str, Any] = field(hash=False)
    modules: tuple[ModuleSpec, ...]
    rules: RulesSpec
    badges: BadgesSpec = BadgesSpec()
    certificate: CertificateSpec = CertificateSpec()
    documents: DocumentsSpec = DocumentsSpec()
    funding: FundingSpec = FundingSpec()

    def competency_codes(self) -> tuple[str, ...]:
        """Every competency code, in file order."""
        return tuple(c.code for m in self.modules for c in m.competencies)

    def required_competencies(self) -> frozenset[str]:
        return self.rules.required_competencies(self)

    def module(self, code: str) -> ModuleSpec:
        for module in self.modules:
            if module.code == code:
                return module
        raise KeyError(code)

    def competency(self, code: str) -> CompetencySpec:
        for module in self.modules:
            for competency in module.competencies:
                if competency.code == code:
                    return competency
        raise KeyError(code)

    def to_data(self) -> dict[str, Any]:
        """The plain data of the file format: ``parse_programme(yaml.safe_dump(spec.to_data()), f) == spec``."""
        data: dict[str, Any] = {
            "id": self.id,
            "title": self.title.to_data(),
            "credential_name": self.credential_name.to_data(),
        }
        if self.description is not None:
            data["description"] = self.description.to_data()
        if self.format:
            data["format"] = copy.deepcopy(self.format)
        data["modules"] = [m.to_data() for m in self.modules]
        data["rules"] = self.rules.to_data()
        if self.badges.to_data():
            data["badges"] = self.badges.to_data()
        if self.certificate.to_data():
            data["certificate"] = self.certificate.to_data()
        if self.documents.to_data():
            data["documents"] = self.documents.to_data()
        if self.funding.to_data():
            data["funding"] = self.funding.to_data()
        return data


class ProgrammeFileError(ValueError):
    """A programme file that cannot be used; ``errors`` lists every problem as (key path, reason)."""

    def __init__(self, file: str, errors: list[tuple[str, str]]) -> None:
        self.file = file
        self.errors = list(errors)
        super().__init__(file, self.errors)

    def __str__(self) -> str:
        return "\n".join(
            f"{self.file}: {path}: {reason}" if path else f"{self.file}: {reason}" for path, reason in self.errors
        )


# --- Entry points --------------------------------------------------------------------------------------------


def parse_programme(text: str, filename: str) -> ProgrammeSpec:
    """Parse and validate a programme file's text; ``filename`` only names the file in error messages."""
    return _parse(text, filename)


def load_programme_file(path: str | Path) -> ProgrammeSpec:
    """Read and validate a programme file. Its ``id`` must also be its file name (``hetis-initial.yaml``)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ProgrammeFileError(path.name, [("", f"not UTF-8 text ({exc.reason} at byte {exc.start})")]) from exc
    return _parse(text, path.name, expected_id=path.stem)


def shipped_programmes() -> list[Path]:
    """The programme files shipped with Tremplin (``courses/programmes/*.yaml``), sorted by name."""
    return sorted(PROGRAMMES_DIR.glob("*.yaml"))


def _parse(text: str, filename: str, expected_id: str | None = None) -> ProgrammeSpec:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ProgrammeFileError(filename, [("", _yaml_error_reason(exc))]) from exc
    checker = _Checker()
    checker.errors.extend(_duplicate_keys(text))
    spec = checker.programme(data, expected_id)
    if checker.errors or spec is None:
        raise ProgrammeFileError(filename, checker.errors)
    return spec


# --- Validation ----------------------------------------------------------------------------------------------


def _key(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


def _https_uri(value: object) -> bool:
    """An absolute https URI with a host, no spaces, no credentials, at most 500 characters."""
    if not isinstance(value, str) or len(value) > 500 or any(ch.isspace() for ch in value):
        return False
    parts = urlsplit(value)
    return parts.scheme == "https" and bool(parts.hostname) and "@" not in parts.netloc


def _describe(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, int):
        return f"integer {value}"
    if isinstance(value, float):
        return f"number {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"string {shown!r}"
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _yaml_error_reason(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    if isinstance(exc, yaml.MarkedYAMLError) and mark is not None:
        problem = exc.problem or "syntax error"
        context = f" ({exc.context})" if exc.context else ""
        return f"invalid YAML at line {mark.line + 1}, column {mark.column + 1}: {problem}{context}"
    return f"invalid YAML: {exc}"


def _duplicate_keys(text: str) -> list[tuple[str, str]]:
    """Keys written twice in one mapping (PyYAML keeps the last one without a word)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:  # already reported by safe_load
        return []
    errors: list[tuple[str, str]] = []
    seen: set[int] = set()

    def walk(node: yaml.Node, path: str) -> None:
        if id(node) in seen:  # an alias: already walked
            return
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first_line: dict[tuple[str, str], int] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                    walk(value_node, path)
                    continue
                key_path = _key(path, key_node.value)
                line = key_node.start_mark.line + 1
                ident = (key_node.tag, key_node.value)
                if ident in first_line:
                    errors.append(
                        (key_path, f"key {key_node.value!r} is written twice (lines {first_line[ident]} and {line})")
                    )
                else:
                    first_line[ident] = line
                walk(value_node, key_path)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, f"{path}[{index}]")

    if root is not None:
        walk(root, "")
    return errors


@dataclass
class _CompetencyIndex:
    path: str
    module_code: object
    module_optional: bool


class _Checker:
    """Walks the loaded data, collecting every problem; returns ``None`` for parts that could not be built."""

    def __init__(self) -> None:
        self.errors: list[tuple[str, str]] = []
        self.competencies: dict[str, _CompetencyIndex] = {}
        self.modules_usable = False

    def error(self, path: str, reason: str) -> None:
        self.errors.append((path, reason))

    # Generic checks

    def mapping(
        self, value: object, path: str, required: tuple[str, ...] = (), optional: tuple[str, ...] = ()
    ) -> dict[Any, Any] | None:
        if not isinstance(value, dict):
            self.error(path, f"expected a mapping, got {_describe(value)}")
            return None
        allowed = (*required, *optional)
        for key in value:
            if key not in allowed:
                reason = f"unknown key {key!r}"
                close = difflib.get_close_matches(str(key), allowed, n=1)
                reason += f" (did you mean {close[0]!r}?)" if close else ""
                self.error(_key(path, key), f"{reason}; allowed keys: {', '.join(allowed)}")
        for key in required:
            if key not in value:
                self.error(_key(path, key), "missing required key")
        return value

    def text(self, value: object, path: str) -> Text | None:
        data = self.mapping(value, path, required=("fr", "en"), optional=("nl",))
        if data is None:
            return None
        parts: dict[str, str] = {}
        for lang in ("fr", "en", "nl"):
            if lang not in data:
                continue
            item = data[lang]
            if not isinstance(item, str):
                self.error(_key(path, lang), f"expected a string, got {_describe(item)}")
            elif not item.strip():
                self.error(_key(path, lang), "must not be empty")
            else:
                parts[lang] = item.strip()
        return Text(**parts) if len(parts) == len(data) and "fr" in parts and "en" in parts else None

    def integer(self, value: object, path: str, minimum: int | None = None, maximum: int | None = None) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(path, f"expected an integer, got {_describe(value)}")
            return None
        if minimum is not None and maximum is not None and not minimum <= value <= maximum:
            self.error(path, f"must be between {minimum} and {maximum}, got {value}")
            return None
        if minimum is not None and value < minimum:
            self.error(path, f"must be {minimum} or more, got {value}")
            return None
        return value

    def boolean(self, value: object, path: str) -> bool | None:
        if not isinstance(value, bool):
            self.error(path, f"expected a boolean (true or false), got {_describe(value)}")
            return None
        return value

    def choice(self, value: object, path: str, choices: tuple[str, ...]) -> str | None:
        if not isinstance(value, str) or value not in choices:
            self.error(path, f"must be one of {', '.join(choices)}; got {_describe(value)}")
            return None
        return value

    def code(self, value: object, path: str, pattern: re.Pattern[str], what: str) -> str | None:
        if not isinstance(value, str):
            self.error(path, f"expected a string, got {_describe(value)}")
            return None
        if not pattern.fullmatch(value):
            self.error(path, f"invalid code {value!r}: {what}")
            return None
        return value

    # The file

    def programme(self, data: object, expected_id: str | None) -> ProgrammeSpec | None:
        if data is None:
            self.error("", "the file is empty; expected a programme (a mapping with id, title, modules…)")
            return None
        if not isinstance(data, dict):
            self.error("", f"expected a mapping at the top level, got {_describe(data)}")
            return None
        self.mapping(data, "", _TOP_REQUIRED, _TOP_OPTIONAL)

        ident = None
        if "id" in data:
            ident = self.code(
                data["id"], "id", _SLUG, "use lowercase letters, digits and single dashes (e.g. hetis-initial)"
            )
            if ident is not None and expected_id is not None and ident != expected_id:
                self.error("id", f"id {ident!r} does not match the file name; expected {expected_id!r}")
        title = self.text(data["title"], "title") if "title" in data else None
        credential = self.text(data["credential_name"], "credential_name") if "credential_name" in data else None
        description = self.text(data["description"], "description") if "description" in data else None
        fmt = self.format(data["format"], "format") if "format" in data else {}
        modules = self.modules(data["modules"], "modules") if "modules" in data else None
        rules = self.rules(data["rules"], "rules") if "rules" in data else None
        badges = self.badges(data["badges"], "badges") if "badges" in data else BadgesSpec()
        certificate = (
            self.certificate(data["certificate"], "certificate") if "certificate" in data else CertificateSpec()
        )
        documents = self.documents(data["documents"], "documents") if "documents" in data else DocumentsSpec()
        funding = self.funding(data["funding"], "funding") if "funding" in data else FundingSpec()

        if self.errors:
            return None
        assert ident and title and credential and fmt is not None and modules and rules and badges and certificate
        assert documents is not None
        assert funding is not None
        return ProgrammeSpec(
            id=ident,
            title=title,
            credential_name=credential,
            description=description,
            format=fmt,
            modules=modules,
            rules=rules,
            badges=badges,
            certificate=certificate,
            documents=documents,
            funding=funding,
        )

    def documents(self, value: object, path: str) -> DocumentsSpec | None:
        data = self.mapping(value, path, optional=_DOCUMENTS_OPTIONAL)
        if data is None:
            return None
        errors = len(self.errors)
        nature = "action_de_formation"
        if "nature" in data:
            nature = self.choice(data["nature"], _key(path, "nature"), ACTION_NATURES) or nature
        texts = {
            name: self.text(data[name], _key(path, name)) if name in data else None
            for name in ("objectives", "what_to_bring")
        }
        lines: dict[str, str | None] = {}
        for name in ("contact", "accessibility_referent"):
            raw = data.get(name)
            if raw is None:
                lines[name] = None
            elif not isinstance(raw, str) or not raw.strip() or len(raw) > 200:
                self.error(
                    _key(path, name),
                    f"expected a name and how to reach them (200 characters at most), got {_describe(raw)}",
                )
            else:
                lines[name] = " ".join(raw.split())
        if len(self.errors) > errors:
            return None
        return DocumentsSpec(nature=nature, **texts, **lines)

    def funding(self, value: object, path: str) -> FundingSpec | None:
        data = self.mapping(value, path, optional=_FUNDING_OPTIONAL)
        if data is None:
            return None
        errors = len(self.errors)
        objective = "other"
        if "objective" in data:
            objective = self.choice(data["objective"], _key(path, "objective"), BPF_OBJECTIVES) or objective
        level = None
        if "level" in data:
            if objective != "rncp":
                self.error(_key(path, "level"), "a level is only given for an rncp objective")
            else:
                level = self.integer(data["level"], _key(path, "level"), 2, 8)
        nsf = None
        if "nsf" in data:
            nsf = self.code(
                str(data["nsf"]) if isinstance(data["nsf"], int) else data["nsf"],
                _key(path, "nsf"),
                _NSF_CODE,
                "an NSF specialty code is three digits, maybe followed by a letter (e.g. 332 or 332t)",
            )
        esf_plus = False
        if "esf_plus" in data:
            esf_plus = bool(self.boolean(data["esf_plus"], _key(path, "esf_plus")))
        if len(self.errors) > errors:
            return None
        return FundingSpec(objective=objective, level=level, nsf=nsf, esf_plus=esf_plus)

    def certificate(self, value: object, path: str) -> CertificateSpec | None:
        data = self.mapping(value, path, optional=_CERTIFICATE_OPTIONAL)
        if data is None:
            return None
        errors = len(self.errors)
        layout = "portrait"
        if "layout" in data:
            layout = self.choice(data["layout"], _key(path, "layout"), CERTIFICATE_LAYOUTS) or layout
        place = None
        if "place" in data:
            place = data["place"]
            if not isinstance(place, str) or not place.strip() or len(place) > 100:
                self.error(
                    _key(path, "place"), f"expected a place name (100 characters at most), got {_describe(place)}"
                )
                place = None
            else:
                place = place.strip()
        signatories: list[SignatorySpec] = []
        raw = data.get("signatories", [])
        if not isinstance(raw, list) or len(raw) > 3:
            self.error(_key(path, "signatories"), f"expected a list of at most 3 signatories, got {_describe(raw)}")
            raw = []
        for index, item in enumerate(raw):
            item_path = f"{_key(path, 'signatories')}[{index}]"
            entry = self.mapping(item, item_path, _SIGNATORY_REQUIRED, ("signature",))
            if entry is None:
                continue
            name = entry.get("name")
            if not isinstance(name, str) or not name.strip() or len(name) > 120:
                self.error(_key(item_path, "name"), f"expected a name (120 characters at most), got {_describe(name)}")
                name = None
            role = self.text(entry["role"], _key(item_path, "role")) if "role" in entry else None
            signature = entry.get("signature")
            if signature is not None and (
                not isinstance(signature, str) or not _STATIC_IMAGE.fullmatch(signature) or ".." in signature
            ):
                self.error(
                    _key(item_path, "signature"),
                    "expected the path of an SVG, PNG or JPEG file under static/ (e.g. img/signatures/name.svg)",
                )
                signature = None
            if name and role:
                signatories.append(SignatorySpec(name=name.strip(), role=role, signature=signature))
        if len(self.errors) > errors:
            return None
        return CertificateSpec(layout=layout, place=place, signatories=tuple(signatories))

    def badges(self, value: object, path: str) -> BadgesSpec | None:
        data = self.mapping(value, path, optional=_BADGES_OPTIONAL)
        if data is None:
            return None
        name = self.text(data["name"], _key(path, "name")) if "name" in data else None
        years = None
        if "valid_for_years" in data:
            years = self.integer(data["valid_for_years"], _key(path, "valid_for_years"), 1, 50)
        skills: list[SkillBadgeSpec] = []
        raw = data.get("skills", [])
        if not isinstance(raw, list):
            self.error(_key(path, "skills"), f"expected a list of skill badges, got {_describe(raw)}")
            return None
        seen: set[str] = set()
        for index, item in enumerate(raw):
            item_path = f"{_key(path, 'skills')}[{index}]"
            entry = self.mapping(item, item_path, _SKILL_REQUIRED, _SKILL_OPTIONAL)
            if entry is None:
                continue
            code = self.code(entry.get("code"), _key(item_path, "code"), _BADGE_CODE, "use B- then capitals (B-LIEN)")
            if code in seen:
                self.error(_key(item_path, "code"), f"{code} is listed twice")
            seen.add(code or "")
            title = self.text(entry["title"], _key(item_path, "title")) if "title" in entry else None
            codes = entry.get("competencies")
            if not isinstance(codes, list) or not codes:
                self.error(_key(item_path, "competencies"), "expected a non-empty list of competency codes")
                continue
            known = [c for c in codes if isinstance(c, str) and c in self.competencies]
            if self.modules_usable and len(known) != len(codes):
                unknown = ", ".join(str(c) for c in codes if c not in known)
                self.error(_key(item_path, "competencies"), f"unknown competency code(s): {unknown}")
            skill_alignments = (
                self.alignments(entry["alignments"], _key(item_path, "alignments")) if "alignments" in entry else ()
            )
            if code and title and len(known) == len(codes) and skill_alignments is not None:
                skills.append(
                    SkillBadgeSpec(code=code, title=title, competencies=tuple(codes), alignments=skill_alignments)
                )
        unpublished = data.get("unpublished", [])
        if not isinstance(unpublished, list) or not all(isinstance(c, str) for c in unpublished):
            self.error(_key(path, "unpublished"), "expected a list of competency codes")
            unpublished = []
        elif self.modules_usable:
            for index, code in enumerate(unpublished):
                if code not in self.competencies:
                    self.error(f"{_key(path, 'unpublished')}[{index}]", f"unknown competency code {code!r}")
        for skill in skills:
            hidden = sorted(set(skill.competencies) & set(unpublished))
            if hidden:
                self.error(_key(path, "skills"), f"{skill.code} groups {', '.join(hidden)}, which is unpublished")
        alignments = self.alignments(data["alignments"], _key(path, "alignments")) if "alignments" in data else ()
        if self.errors or alignments is None:
            return None
        return BadgesSpec(
            name=name,
            valid_for_years=years,
            skills=tuple(skills),
            unpublished=tuple(unpublished),
            alignments=alignments,
        )

    def format(self, value: object, path: str) -> dict[str, Any] | None:
        data = self.mapping(value, path, optional=_FORMAT_KEYS)
        if data is None:
            return None
        result: dict[str, Any] = {}
        if "mode" in data:
            result["mode"] = self.code(
                data["mode"], _key(path, "mode"), _SLUG, "use a lowercase word (e.g. alternance)"
            )
        for key in ("training_days_per_week", "practice_days_per_week"):
            if key in data:
                result[key] = self.days(data[key], _key(path, key))
        if "practice_types" in data:
            result["practice_types"] = self.practice_types(data["practice_types"], _key(path, "practice_types"))
        if "duration_months" in data:
            result["duration_months"] = self.integer(data["duration_months"], _key(path, "duration_months"), 1)
        return result

    def days(self, value: object, path: str) -> int | dict[str, int] | None:
        if isinstance(value, dict):
            data = self.mapping(value, path, required=("min", "max"))
            assert data is not None
            low = self.integer(data["min"], _key(path, "min"), 0, 7) if "min" in data else None
            high = self.integer(data["max"], _key(path, "max"), 0, 7) if "max" in data else None
            if low is None or high is None:
                return None
            if low > high:
                self.error(path, f"min ({low}) must not exceed max ({high})")
                return None
            return {"min": low, "max": high}
        if isinstance(value, int) and not isinstance(value, bool):
            return self.integer(value, path, 0, 7)
        self.error(path, f"expected a number of days (0 to 7) or {{min, max}}, got {_describe(value)}")
        return None

    def practice_types(self, value: object, path: str) -> list[str] | None:
        if not isinstance(value, list) or not value:
            self.error(path, f"expected a non-empty list of {', '.join(PRACTICE_TYPES)}, got {_describe(value)}")
            return None
        result: list[str] = []
        for index, item in enumerate(value):
            kind = self.choice(item, f"{path}[{index}]", PRACTICE_TYPES)
            if kind is not None and kind in result:
                self.error(f"{path}[{index}]", f"{kind} is listed twice")
            elif kind is not None:
                result.append(kind)
        return result

    def modules(self, value: object, path: str) -> tuple[ModuleSpec, ...] | None:
        if not isinstance(value, list):
            self.error(path, f"expected a list of modules, got {_describe(value)}")
            return None
        self.modules_usable = True
        if not value:
            self.error(path, "a programme needs at least one module")
            return None
        first_code: dict[str, str] = {}
        result = [self.module(item, f"{path}[{index}]", first_code) for index, item in enumerate(value)]
        return tuple(m for m in result if m is not None)

    def module(self, value: object, path: str, first_code: dict[str, str]) -> ModuleSpec | None:
        data = self.mapping(value, path, _MODULE_REQUIRED, _MODULE_OPTIONAL)
        if data is None:
            return None
        code = None
        if "code" in data:
            code_path = _key(path, "code")
            code = self.code(data["code"], code_path, _MODULE_CODE, "use capital letters then digits (e.g. M1, S2)")
            if code is not None and code in first_code:
                self.error(code_path, f"duplicate code {code} (first used at {first_code[code]})")
            elif code is not None:
                first_code[code] = code_path
        title = self.text(data["title"], _key(path, "title")) if "title" in data else None
        optional = self.boolean(data["optional"], _key(path, "optional")) if "optional" in data else False
        competencies: list[CompetencySpec | None] = []
        if "competencies" in data:
            items = data["competencies"]
            list_path = _key(path, "competencies")
            if not isinstance(items, list):
                self.error(list_path, f"expected a list of competencies, got {_describe(items)}")
            else:
                for index, item in enumerate(items):
                    item_path = f"{list_path}[{index}]"
                    competencies.append(self.competency(item, item_path, data.get("code"), bool(optional)))
        alignments = self.alignments(data["alignments"], _key(path, "alignments")) if "alignments" in data else ()
        if code is None or title is None or optional is None or any(c is None for c in competencies):
            return None
        if alignments is None:
            return None
        return ModuleSpec(
            code=code,
            title=title,
            competencies=tuple(c for c in competencies if c),
            optional=optional,
            alignments=alignments,
        )

    def competency(self, value: object, path: str, module_code: object, module_optional: bool) -> CompetencySpec | None:
        data = self.mapping(value, path, _COMPETENCY_REQUIRED, _COMPETENCY_OPTIONAL)
        if data is None:
            return None
        code = None
        if "code" in data:
            code_path = _key(path, "code")
            raw = data["code"]
            code = self.code(raw, code_path, _COMPETENCY_CODE, "use capitals, digits and dashes (e.g. C-M1-01)")
            if isinstance(raw, str) and raw in self.competencies:
                self.error(code_path, f"duplicate code {raw} (first used at {self.competencies[raw].path})")
                code = None
            elif isinstance(raw, str):
                self.competencies[raw] = _CompetencyIndex(code_path, module_code, module_optional)
        title = self.text(data["title"], _key(path, "title")) if "title" in data else None
        description = self.text(data["description"], _key(path, "description")) if "description" in data else None
        evidence = self.evidence(data["evidence"], _key(path, "evidence")) if "evidence" in data else ALL_EVIDENCE
        alignments = self.alignments(data["alignments"], _key(path, "alignments")) if "alignments" in data else ()
        if code is None or title is None or evidence is None or ("description" in data and description is None):
            return None
        if alignments is None:
            return None
        return CompetencySpec(code=code, title=title, description=description, evidence=evidence, alignments=alignments)

    def alignments(self, value: object, path: str) -> tuple[AlignmentSpec, ...] | None:
        """An ``alignments:`` list: each entry names its framework, the node's URL and name, and the code or type
        the framework needs. ``None`` (with the errors recorded) when any entry is wrong."""
        if not isinstance(value, list) or not value:
            self.error(path, f"expected a non-empty list of alignments, got {_describe(value)}")
            return None
        result: list[AlignmentSpec] = []
        ok = True
        seen: dict[str, str] = {}
        for index, item in enumerate(value):
            item_path = f"{path}[{index}]"
            alignment = self.alignment(item, item_path)
            if alignment is None:
                ok = False
            elif alignment.url in seen:
                self.error(_key(item_path, "url"), f"{alignment.url} is listed twice (first at {seen[alignment.url]})")
                ok = False
            else:
                seen[alignment.url] = item_path
                result.append(alignment)
        return tuple(result) if ok else None

    def alignment(self, value: object, path: str) -> AlignmentSpec | None:
        data = self.mapping(value, path, _ALIGNMENT_REQUIRED, _ALIGNMENT_OPTIONAL)
        if data is None:
            return None
        errors = len(self.errors)
        framework = data.get("framework")
        known = isinstance(framework, str) and framework in ALIGNMENT_FRAMEWORKS
        if "framework" in data and not known and not _https_uri(framework):
            self.error(
                _key(path, "framework"),
                f"expected {', '.join(ALIGNMENT_FRAMEWORKS)} or the framework's https:// address, "
                f"got {_describe(framework)}",
            )
        url = data.get("url")
        if "url" in data:
            if framework == "esco":
                if not isinstance(url, str) or not _ESCO_URI.fullmatch(url):
                    self.error(
                        _key(path, "url"),
                        "an ESCO alignment needs the concept's URI, http://data.europa.eu/esco/skill/<uuid> or "
                        f"http://data.europa.eu/esco/occupation/<uuid>; got {_describe(url)}",
                    )
            elif not _https_uri(url):
                self.error(_key(path, "url"), f"expected an https:// address, got {_describe(url)}")
        code = data.get("code")
        if code is not None and (not isinstance(code, str) or not code.strip() or len(code) > 100):
            self.error(_key(path, "code"), f"expected a code (100 characters at most), got {_describe(code)}")
        elif isinstance(framework, str) and framework in _ALIGNMENT_CODES:
            pattern, what = _ALIGNMENT_CODES[framework]
            if code is None:
                self.error(_key(path, "code"), f"missing required key: {what}")
            elif not pattern.fullmatch(code):
                self.error(_key(path, "code"), f"invalid code {code!r}: {what}")
        kind = data.get("type")
        if kind is not None and not (
            isinstance(kind, str) and (kind in ALIGNMENT_TYPES or _ALIGNMENT_EXT_TYPE.fullmatch(kind))
        ):
            self.error(
                _key(path, "type"),
                f"must be one of {', '.join(ALIGNMENT_TYPES)} or ext: then a name (e.g. ext:ESCOSkill); "
                f"got {_describe(kind)}",
            )
        name = self.text(data["name"], _key(path, "name")) if "name" in data else None
        if len(self.errors) > errors or name is None or framework is None or url is None:
            return None
        return AlignmentSpec(framework=framework, url=url, name=name, code=code, type=kind)

    def evidence(self, value: object, path: str) -> tuple[str, ...] | None:
        if not isinstance(value, list) or not value:
            self.error(path, f"expected a non-empty list of evidence types, got {_describe(value)}")
            return None
        result: list[str] = []
        ok = True
        for index, item in enumerate(value):
            item_path = f"{path}[{index}]"
            if not isinstance(item, str) or item not in EVIDENCE_TYPES:
                self.error(item_path, f"unknown evidence type {item!r}; known types: {', '.join(EVIDENCE_TYPES)}")
                ok = False
            elif item in result:
                self.error(item_path, f"{item} is listed twice")
                ok = False
            else:
                result.append(item)
        return tuple(result) if ok else None

    def rules(self, value: object, path: str) -> RulesSpec | None:
        data = self.mapping(value, path, _RULES_REQUIRED)
        if data is None:
            return None
        attendance = self.attendance(data["attendance"], _key(path, "attendance")) if "attendance" in data else None
        hours = (
            self.integer(data["placement_hours"], _key(path, "placement_hours"), 0)
            if "placement_hours" in data
            else None
        )
        final_work = self.boolean(data["final_work"], _key(path, "final_work")) if "final_work" in data else None
        competencies = (
            self.required(data["competencies"], _key(path, "competencies")) if "competencies" in data else None
        )
        co_validation = (
            self.boolean(data["co_validation"], _key(path, "co_validation")) if "co_validation" in data else None
        )
        if attendance is None or hours is None or final_work is None or competencies is None or co_validation is None:
            return None
        return RulesSpec(
            attendance=attendance,
            placement_hours=hours,
            final_work=final_work,
            competencies=competencies,
            co_validation=co_validation,
        )

    def attendance(self, value: object, path: str) -> AttendanceSpec | None:
        data = self.mapping(value, path, _ATTENDANCE_REQUIRED)
        if data is None:
            return None
        threshold = (
            self.integer(data["threshold_percent"], _key(path, "threshold_percent"), 0, 100)
            if "threshold_percent" in data
            else None
        )
        basis = self.choice(data["basis"], _key(path, "basis"), ATTENDANCE_BASES) if "basis" in data else None
        scope = self.choice(data["scope"], _key(path, "scope"), ATTENDANCE_SCOPES) if "scope" in data else None
        excused = self.choice(data["excused"], _key(path, "excused"), EXCUSED_MODES) if "excused" in data else None
        if threshold is None or basis is None or scope is None or excused is None:
            return None
        return AttendanceSpec(threshold_percent=threshold, basis=basis, scope=scope, excused=excused)

    def required(self, value: object, path: str) -> Literal["all", "none"] | tuple[str, ...] | None:
        """The ``rules.competencies`` value. Needs ``modules`` checked first (codes are looked up)."""
        if value == "all":
            hidden = [code for code, where in self.competencies.items() if where.module_optional]
            if hidden:
                self.error(
                    path,
                    f"'all' would also require {', '.join(hidden)}, from an optional module; "
                    "list the required codes instead",
                )
            return "all"
        if value == "none":
            return "none"
        if not isinstance(value, list):
            self.error(path, f"expected 'all', 'none' or a list of competency codes, got {_describe(value)}")
            return None
        if not value:
            self.error(path, "the list is empty; write 'none' when no competency is required")
            return None
        result: list[str] = []
        ok = True
        for index, code in enumerate(value):
            item_path = f"{path}[{index}]"
            where = self.competencies.get(code) if isinstance(code, str) else None
            if not isinstance(code, str):
                self.error(item_path, f"expected a competency code, got {_describe(code)}")
            elif code in result:
                self.error(item_path, f"{code} is listed twice")
            elif where is None:
                if self.modules_usable:  # otherwise every code would look unknown
                    self.error(item_path, f"unknown competency code {code!r}: no module lists it")
            elif where.module_optional:
                self.error(item_path, f"{code} belongs to optional module {where.module_code}; it cannot be required")
            else:
                result.append(code)
                continue
            ok = False
        return tuple(result) if ok else None
