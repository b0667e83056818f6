"""Which badges a programme defines, and who has earned them: courses tells the badges engine what to issue.

Achievements come from the programme's YAML: one per module that has required competencies, one for the whole
programme, and the skill badges of its ``badges:`` block. Their text is written here from the programme's data,
in French and English (and in Dutch when the programme gives every text it needs in Dutch), and says what was
required — competency titles, never their descriptions (which may name fields of lived experience) and never
anything about a person.

Earning rules (decided by the pure rules engine's evaluation, read here):
- a **module** badge once the module's sessions are over (its last session is past, and the trainee was still
  enrolled then), its required competencies are validated and, with ``scope: each_module``, its attendance
  rule holds;
- the **programme** badge when the eligibility engine says ``eligible``;
- a **skill** badge as soon as its competencies are validated (they are stackable, mid-year).

Issuance happens on the event and in batch (``tremplin badges issue CODE``), both idempotent (see
``badges.services.issue``). On the event: a service that changes what a badge depends on queues an
``issue-due-badges`` job for the enrolment in its own transaction (``courses.outbox.badges_may_be_due``); a worker
runs :func:`run_issue_due_badges`, in a transaction of its own, which evaluates the enrolment and signs what is
due. Nothing is signed in the request; meanwhile the trainee's pages say her badge is on its way
(:func:`badges_on_their_way`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from badges import extensions, keys
from badges import services as badges
from badges.models import Achievement, Award, KeyKind
from core import jobs
from core.db import db
from core.models import User
from core.services import external_url
from courses import eligibility, outbox, rules
from courses.models import Cohort, Competency, Enrolment, Module, Programme, TrainingSession
from courses.programme_spec import EVIDENCE_TYPES, AlignmentSpec, Text

log = logging.getLogger(__name__)


# ------------------------------------------------------------------------------------------------ definitions


def module_key(programme: Programme, module_code: str) -> str:
    return f"{programme.code}/module/{module_code}"


def programme_key(programme: Programme) -> str:
    return f"{programme.code}/programme"


def skill_key(programme: Programme, code: str) -> str:
    return f"{programme.code}/skill/{code}"


def _framework_url(programme: Programme, code: str) -> str:
    return f"{external_url('courses.framework', programme_code=programme.code)}#{code}"


def _external(record: dict) -> dict:
    """An alignment to an external framework (``AlignmentSpec.to_record``) as the badges engine takes it."""
    out = {"name": dict(record["name"]), "url": record["url"], "target_framework": record["target_framework"]}
    if record.get("code"):
        out["code"] = record["code"]
    if record.get("target_type"):
        out["target_type"] = record["target_type"]
    return out


def _alignments(programme: Programme, competencies: Sequence[Competency], own: Iterable[dict] = ()) -> tuple[dict, ...]:
    """The badge's alignments: each competency on the programme's public framework page, then the external
    frameworks (ESCO, ROME, RNCP, RS…) the badge itself (``own``) and its competencies align to, each URL once."""
    out = [{"code": c.code, "name": dict(c.title), "url": _framework_url(programme, c.code)} for c in competencies]
    external = [*own, *(record for c in competencies for record in (c.alignments or ()))]
    seen = {a["url"] for a in out}
    for record in external:
        if record["url"] not in seen:
            seen.add(record["url"])
            out.append(_external(record))
    return tuple(out)


def _badge_alignments(data: dict) -> list[dict]:
    """The ``alignments`` of the programme badge or of a skill badge, as stored in ``Programme.badges``."""
    return [
        AlignmentSpec(
            framework=a["framework"], url=a["url"], name=Text(**a["name"]), code=a.get("code"), type=a.get("type")
        ).to_record()
        for a in data.get("alignments", ())
    ]


#: What kind of evidence each evidence type is (OB 3.0 Evidence ``genre``). E-RECIT is never published: that
#: biographical work was done is between the trainee and the training team.
EVIDENCE_GENRES: dict[str, dict[str, str]] = {
    "E-OBS": {"fr": "Observation", "en": "Observation", "nl": "Observatie"},
    "E-ANALYSE": {"fr": "Écrit", "en": "Writing", "nl": "Geschreven werk"},
    "E-TUTEUR": {"fr": "Attestation", "en": "Attestation", "nl": "Attest"},
    "E-COANIM": {"fr": "Mise en pratique", "en": "Practice", "nl": "Praktijk"},
    "E-ECRIT": {"fr": "Écrit", "en": "Writing", "nl": "Geschreven werk"},
    "E-TRAVAIL": {"fr": "Travail de fin de formation", "en": "Final work", "nl": "Eindwerk"},
    "E-PRESENCE": {"fr": "Présence", "en": "Attendance", "nl": "Aanwezigheid"},
}
_EVIDENCE_DESCRIPTION = {
    "fr": "Un type de preuve examiné par l'équipe de formation. La preuve elle-même n'est pas publiée.",
    "en": "A kind of evidence the training team examined. The evidence itself is not published.",
    "nl": "Een soort bewijs dat het opleidingsteam onderzocht. Het bewijs zelf wordt niet gepubliceerd.",
}


def _evidence(competencies: Sequence[Competency]) -> tuple[dict, ...]:
    """The kinds of evidence ``competencies`` are validated on, in the order of the evidence types: their names
    and genre only (OB 3.0 ``evidence``), never a file, a comment or anything a trainee wrote."""
    used = {code for c in competencies for code in (c.evidence_types or ())}
    return tuple(
        {
            "code": code,
            "name": dict(label),
            "description": dict(_EVIDENCE_DESCRIPTION),
            "genre": dict(EVIDENCE_GENRES[code]),
        }
        for code, label in EVIDENCE_TYPES.items()
        if code in used and code in EVIDENCE_GENRES
    )


def _evidence_kinds(competencies: Sequence[Competency], lang: str) -> list[str]:
    kinds: list[str] = []
    for competency in competencies:
        for code in competency.evidence_types or ():
            label = EVIDENCE_TYPES.get(code, {}).get(lang)
            if label and label not in kinds:
                kinds.append(label.split(" (")[0].lower())
    return list(dict.fromkeys(kinds))


def _bullets(competencies: Sequence[Competency], lang: str) -> str:
    return "\n".join(f"- {c.title.get(lang) or c.title['fr']}" for c in competencies)


def _dutch(*texts: dict[str, str]) -> bool:
    """Whether every one of ``texts`` (``{lang: text}``) has Dutch: a badge is written in Dutch only then."""
    return all(text.get("nl") for text in texts)


def programme_name(programme: Programme) -> dict[str, str]:
    """The programme's name on its badges and certificates (``{lang: text}``)."""
    return dict((programme.badges or {}).get("name") or programme.title)


def _valid_for_days(programme: Programme) -> int | None:
    years = (programme.badges or {}).get("valid_for_years")
    return int(years) * 365 if years else None


def _module_criteria(
    programme: Programme, module: Module, required: Sequence[Competency], unpublished: int
) -> dict[str, str]:
    """``required``: the module's required competencies that may be named; ``unpublished``: how many others."""
    attendance = programme.rules["attendance"]
    evidence = {lang: _evidence_kinds(required, lang) for lang in ("fr", "en", "nl")}
    # Short sentences (easy-to-read French, at most 15 words): the holder reads them too.
    fr = (
        f"Suivre le module « {module.title['fr']} » jusqu'à la fin.\n\n"
        f"Faire valider ces compétences par l'équipe de formation :\n\n{_bullets(required, 'fr')}\n\n"
    )
    en = (
        f"Follow the module “{module.title['en']}” to its end.\n\n"
        f"Have these competencies validated by the training team:\n\n{_bullets(required, 'en')}\n\n"
    )
    nl = (
        f"De module ‘{module.title.get('nl')}’ tot het einde volgen.\n\n"
        f"Deze competenties laten valideren door het opleidingsteam:\n\n{_bullets(required, 'nl')}\n\n"
    )
    if unpublished:
        fr += "Et les autres compétences du module (travail sur la posture, non détaillé ici).\n\n"
        en += "And the module's other competencies (work on one's stance, not detailed here).\n\n"
        nl += "En de andere competenties van de module (werk aan de eigen houding, hier niet uitgewerkt).\n\n"
    if attendance["scope"] == "each_module":
        fr += f"Être présent·e à au moins {attendance['threshold_percent']} % de la formation du module.\n\n"
        en += f"Attend at least {attendance['threshold_percent']}% of the module's training.\n\n"
        nl += f"Minstens {attendance['threshold_percent']}% van de opleiding van de module aanwezig zijn.\n\n"
    if evidence["fr"]:
        fr += "Preuves examinées :\n\n" + "\n".join(f"- {kind}" for kind in evidence["fr"])
        en += "Evidence examined:\n\n" + "\n".join(f"- {kind}" for kind in evidence["en"])
        nl += "Onderzochte bewijzen:\n\n" + "\n".join(f"- {kind}" for kind in evidence["nl"])
    criteria = {"fr": fr.strip(), "en": en.strip()}
    if _dutch(module.title, *(c.title for c in required)):
        criteria["nl"] = nl.strip()
    return criteria


def _programme_criteria(programme: Programme, modules: Sequence[Module]) -> dict[str, str]:
    config = programme.rules
    attendance = config["attendance"]
    unit_fr = "des heures de formation" if attendance["basis"] == "hours" else "des séances de formation"
    unit_en = "of the training hours" if attendance["basis"] == "hours" else "of the training sessions"
    unit_nl = "van de opleidingsuren" if attendance["basis"] == "hours" else "van de opleidingssessies"
    fr = [f"Être présent·e à au moins {attendance['threshold_percent']} % {unit_fr}."]
    en = [f"Attend at least {attendance['threshold_percent']}% {unit_en}."]
    nl = [f"Minstens {attendance['threshold_percent']}% {unit_nl} aanwezig zijn."]
    if config.get("placement_hours"):
        fr.append(f"Accomplir au moins {config['placement_hours']} heures de pratique (stage ou emploi), confirmées.")
        en.append(f"Complete at least {config['placement_hours']} hours of practice (placement or job), confirmed.")
        nl.append(f"Minstens {config['placement_hours']} bevestigde uren praktijk (stage of job) presteren.")
    if config.get("final_work"):
        fr.append("Réussir le travail de fin de formation.")
        en.append("Pass the final piece of work.")
        nl.append("Slagen voor het eindwerk.")
    if config.get("competencies") != "none":
        fr.append(f"Faire valider les compétences des {len(modules)} modules.")
        en.append(f"Have the competencies of the {len(modules)} modules validated.")
        nl.append(f"De competenties van de {len(modules)} modules laten valideren.")
    criteria = {"fr": "\n".join(f"- {line}" for line in fr), "en": "\n".join(f"- {line}" for line in en)}
    if _dutch(*(m.title for m in modules)):
        criteria["nl"] = "\n".join(f"- {line}" for line in nl)
    return criteria


def achievement_specs(programme: Programme) -> list[badges.AchievementSpec]:
    """Every badge the programme defines, in display order: modules, the programme, skills."""
    competencies = list(
        db.session.scalars(
            db.select(Competency)
            .where(Competency.programme_id == programme.id, Competency.retired.is_(False))
            .order_by(Competency.position)
        )
    )
    required_codes = eligibility.required_competency_codes(programme, competencies)
    by_code = {c.code: c for c in competencies}
    unpublished = set((programme.badges or {}).get("unpublished", []))
    modules = [m for m in programme.modules if not m.retired]
    name = programme_name(programme)
    valid_for_days = _valid_for_days(programme)
    tags = ("travail pair", "peer work")
    specs: list[badges.AchievementSpec] = []
    badge_modules: list[Module] = []
    for module in modules:
        required = [c for c in competencies if c.module_id == module.id and c.code in required_codes]
        if not required:
            continue
        badge_modules.append(module)
        published = [c for c in required if c.code not in unpublished]
        description = {
            "fr": f"Un module de la formation « {name['fr']} ». "
            f"{len(required)} compétences validées par l'équipe de formation.",
            "en": f"A module of the training “{name['en']}”. "
            f"{len(required)} competencies validated by the training team.",
        }
        if _dutch(name, module.title):
            description["nl"] = (
                f"Een module van de opleiding ‘{name['nl']}’. "
                f"{len(required)} competenties gevalideerd door het opleidingsteam."
            )
        specs.append(
            badges.AchievementSpec(
                key=module_key(programme, module.code),
                kind="module",
                code=module.code,
                name=dict(module.title),
                description=description,
                criteria=_module_criteria(programme, module, published, len(required) - len(published)),
                tags=(*tags, module.code),
                alignments=_alignments(programme, published, module.alignments or ()),
                valid_for_days=valid_for_days,
                evidence=_evidence(published),
            )
        )
    description = {
        "fr": f"La formation complète « {name['fr']} ». "
        "Elle alterne formation et pratique professionnelle. "
        f"Elle donne droit à : {programme.credential_name['fr'].lower()}.",
        "en": f"The complete training “{name['en']}”. "
        "It alternates training and professional practice. "
        f"It leads to: {programme.credential_name['en'].lower()}.",
    }
    if _dutch(name, programme.credential_name):
        description["nl"] = (
            f"De volledige opleiding ‘{name['nl']}’. "
            "Ze wisselt opleiding en beroepspraktijk af. "
            f"Ze leidt tot: {programme.credential_name['nl'].lower()}."
        )
    programme_published = [c for c in competencies if c.code in required_codes and c.code not in unpublished]
    specs.append(
        badges.AchievementSpec(
            key=programme_key(programme),
            kind="programme",
            code="",
            name=name,
            description=description,
            criteria=_programme_criteria(programme, badge_modules),
            tags=tags,
            alignments=_alignments(programme, programme_published, _badge_alignments(programme.badges or {})),
            valid_for_days=valid_for_days,
            evidence=_evidence(programme_published),
        )
    )
    for skill in (programme.badges or {}).get("skills", []):
        grouped = [by_code[code] for code in skill["competencies"] if code in by_code]
        if len(grouped) != len(skill["competencies"]):
            continue  # a retired competency: the badge can no longer be earned
        title = skill["title"]
        description = {
            "fr": f"Une compétence de travailleur·se pair·e : « {title['fr']} ». "
            f"Elle est validée dans la formation « {name['fr']} ».",
            "en": f"A peer worker skill: “{title['en']}”. It is validated in the training “{name['en']}”.",
        }
        criteria = {
            "fr": "Avoir fait valider par l'équipe de formation les compétences suivantes :\n\n"
            + _bullets(grouped, "fr"),
            "en": "Have the following competencies validated by the training team:\n\n" + _bullets(grouped, "en"),
        }
        if _dutch(name, title, *(c.title for c in grouped)):
            description["nl"] = (
                f"Een competentie van de ervaringsdeskundige: ‘{title['nl']}’. "
                f"Ze is gevalideerd in de opleiding ‘{name['nl']}’."
            )
            criteria["nl"] = "De volgende competenties laten valideren door het opleidingsteam:\n\n" + _bullets(
                grouped, "nl"
            )
        specs.append(
            badges.AchievementSpec(
                key=skill_key(programme, skill["code"]),
                kind="skill",
                code=skill["code"].removeprefix("B-")[:12],
                name=dict(title),
                description=description,
                criteria=criteria,
                tags=(*tags, skill["code"]),
                alignments=_alignments(programme, grouped, _badge_alignments(skill)),
                valid_for_days=valid_for_days,
                evidence=_evidence(grouped),
            )
        )
    return specs


def sync_achievements(programme: Programme) -> list[Achievement]:
    """Create or update the programme's achievements; those it no longer defines are retired."""
    specs = achievement_specs(programme)
    made = [badges.sync_achievement(spec) for spec in specs]
    badges.retire_achievements((spec.key for spec in specs), f"{programme.code}/")
    return made


# ------------------------------------------------------------------------------------------------ earning


@dataclass(frozen=True)
class Due:
    enrolment: Enrolment
    user: User
    key: str


def _module_ends(cohort_ids: Iterable[int]) -> dict[tuple[int, str], date]:
    """(cohort id, module code) → date of the module's last session that takes place."""
    rows = db.session.execute(
        db.select(TrainingSession.cohort_id, Module.code, sa.func.max(TrainingSession.on))
        .join(Module, Module.id == TrainingSession.module_id)
        .where(TrainingSession.cohort_id.in_(list(cohort_ids)), TrainingSession.cancelled.is_(False))
        .group_by(TrainingSession.cohort_id, Module.code)
    )
    return {(cohort_id, code): last for cohort_id, code, last in rows}


def earned(cohorts: Sequence[Cohort], as_of: date, *, enrolment_ids: Iterable[int] | None = None) -> list[Due]:
    """Every badge the trainees of ``cohorts`` have earned at ``as_of`` (whether issued already or not)."""
    results = eligibility.evaluate_cohorts(cohorts, as_of, enrolment_ids=enrolment_ids)
    ends = _module_ends(c.id for c in cohorts)
    due: list[Due] = []
    for cohort in cohorts:
        programme = cohort.programme
        specs = {spec.key: spec for spec in achievement_specs_cached(programme)}
        requirements = module_requirements(programme)
        each_module = programme.rules["attendance"]["scope"] == "each_module"
        skills = (programme.badges or {}).get("skills", [])
        for result in results[cohort.id]:
            evaluation, enrolment = result.evaluation, result.enrolment
            validated = evaluation.validated_competencies
            for module in programme.modules:
                key = module_key(programme, module.code)
                spec = specs.get(key)
                end = ends.get((cohort.id, module.code))
                if spec is None or end is None or end > as_of:
                    continue
                if enrolment.withdrawn_on is not None and enrolment.withdrawn_on <= end:
                    continue
                group = evaluation.modules.get(module.code)
                if group is None or not group.counted_sessions:
                    continue
                if each_module and not group.met:
                    continue
                if requirements[module.code] <= validated:
                    due.append(Due(enrolment, result.user, key))
            if evaluation.status is rules.Status.ELIGIBLE:
                due.append(Due(enrolment, result.user, programme_key(programme)))
            for skill in skills:
                key = skill_key(programme, skill["code"])
                still_enrolled = enrolment.withdrawn_on is None or enrolment.withdrawn_on > as_of
                if key in specs and still_enrolled and all(code in validated for code in skill["competencies"]):
                    due.append(Due(enrolment, result.user, key))
    return due


def module_requirements(programme: Programme) -> dict[str, frozenset[str]]:
    """Module code → the codes of its required competencies (published in badge text or not)."""
    competencies = [c for m in programme.modules for c in m.competencies if not c.retired]
    required = eligibility.required_competency_codes(programme, competencies)
    return {m.code: frozenset(c.code for c in m.competencies if c.code in required) for m in programme.modules}


def achievement_specs_cached(programme: Programme) -> list[badges.AchievementSpec]:
    """The specs of a programme, computed once per transaction (they cost a query)."""
    cache = db.session.info.setdefault("courses.achievement_specs", {})
    key = (programme.id, programme.loaded_at)
    if key not in cache:
        cache[key] = achievement_specs(programme)
    return cache[key]


def can_issue() -> bool:
    issuer = keys.get_issuer()
    return (
        issuer is not None
        and keys.active_key(issuer, KeyKind.ED25519) is not None
        and keys.active_key(issuer, KeyKind.RSA) is not None
    )


#: Badges issued per call of ``badges.issue_many`` (per savepoint): a rerun after a crash redoes at most this many.
ISSUE_BATCH = 100


def issue_due(
    cohorts: Sequence[Cohort],
    as_of: date | None = None,
    *,
    enrolment_ids: Iterable[int] | None = None,
    by: User | None = None,
    on_issued=None,
    issued_at: datetime | None = None,
) -> list[tuple[Award, bool]]:
    """Issue every badge earned and not yet held; returns ``(award, created)`` for each badge due.

    ``issued_at`` dates the badges (default: now), e.g. the evening of ``as_of`` when a past cohort's badges are
    issued after the fact; their validity (``valid_for_years``) runs from that date.
    Badges whose achievement is missing (a programme loaded before this engine existed) are synced first."""
    as_of = as_of or date.today()
    due = earned(cohorts, as_of, enrolment_ids=enrolment_ids)
    if not due:
        return []
    achievements = {
        a.key: a for a in db.session.scalars(db.select(Achievement).where(Achievement.key.in_({d.key for d in due})))
    }
    if len(achievements) < len({d.key for d in due}):
        for programme in {c.programme for c in cohorts}:
            for achievement in sync_achievements(programme):
                achievements[achievement.key] = achievement
    held = {
        (recipient_id, achievement_id)
        for recipient_id, achievement_id in db.session.execute(
            db.select(Award.recipient_id, Award.achievement_id).where(
                Award.recipient_id.in_({d.user.id for d in due}), Award.revoked_at.is_(None)
            )
        )
    }
    batch: list[tuple[Achievement, User, str]] = []
    for item in due:
        achievement = achievements.get(item.key)
        if achievement is None or achievement.retired or (item.user.id, achievement.id) in held:
            continue
        batch.append((achievement, item.user, f"enrolment:{item.enrolment.id}"))
        held.add((item.user.id, achievement.id))
    out: list[tuple[Award, bool]] = []
    for start in range(0, len(batch), ISSUE_BATCH):  # one savepoint, one flush and a few queries per batch
        for award, created in badges.issue_many(batch[start : start + ISSUE_BATCH], by=by, now=issued_at):
            out.append((award, created))
            if on_issued is not None:
                on_issued(award, created)
    return out


def cohort_awards(cohort: Cohort, *, include_revoked: bool = True) -> list[tuple[Award, str]]:
    """Every badge issued through this cohort's enrolments, with the holder's email, in one query."""
    refs = db.select(sa.literal("enrolment:") + sa.cast(Enrolment.id, sa.String)).where(
        Enrolment.cohort_id == cohort.id
    )
    query = (
        db.select(Award, User.email)
        .join(User, User.id == Award.recipient_id)
        .where(Award.context_ref.in_(refs))
        .order_by(User.email, Award.issued_at, Award.id)
    )
    if not include_revoked:
        query = query.where(Award.revoked_at.is_(None))
    return [(award, email) for award, email in db.session.execute(query)]


# ------------------------------------------------------------------------------------------------ on the event


def issue_due_for(enrolment_ids: Iterable[int], as_of: date | None = None) -> list[tuple[Award, bool]]:
    """Issue the badges these enrolments have earned and do not hold yet (what a queued job does). Flushes only."""
    ids = set(enrolment_ids)
    cohort_ids = set(db.session.scalars(db.select(Enrolment.cohort_id).where(Enrolment.id.in_(ids))))
    if not cohort_ids:
        return []  # erased, or the cohort deleted, since the job was queued: nothing left to issue
    cohorts = list(db.session.scalars(db.select(Cohort).where(Cohort.id.in_(cohort_ids)).order_by(Cohort.id)))
    return issue_due(cohorts, as_of, enrolment_ids=ids)


def run_issue_due_badges(context: jobs.JobContext) -> None:
    """The ``issue-due-badges`` job, run by a worker in its own transaction: the badges due to one enrolment."""
    enrolment_id = int(context.params["enrolment_id"])
    if not can_issue():
        log.info("badges not issued: the issuer has no signing keys yet (tremplin keys generate)")
        context.problem("no signing keys yet: run `tremplin keys generate`, then `tremplin badges issue`")
        return
    issued = issue_due_for([enrolment_id])
    created = sum(1 for _award, new in issued if new)
    if created:
        log.info("%d badge(s) issued for enrolment %s", created, enrolment_id)


def badges_on_their_way(user: User) -> bool:
    """Whether a badge is on its way to ``user``: a job for one of her enrolments is queued or running, and she
    has earned a badge she does not hold yet (a job queued by a change that makes nothing due says nothing).
    Costs one query, and an evaluation of her enrolment only during the few seconds a job waits."""
    pending = outbox.pending_enrolment_ids_of(user.id)
    if not pending:
        return False
    cohorts = list(
        db.session.scalars(
            db.select(Cohort).join(Enrolment, Enrolment.cohort_id == Cohort.id).where(Enrolment.id.in_(pending))
        )
    )
    due = {d.key for d in earned(cohorts, date.today(), enrolment_ids=pending)}
    if not due:
        return False
    held = set(
        db.session.scalars(
            db.select(Achievement.key)
            .join(Award, Award.achievement_id == Achievement.id)
            .where(Award.recipient_id == user.id, Award.revoked_at.is_(None), Achievement.key.in_(due))
        )
    )
    return bool(due - held)


def init_app(app) -> None:
    jobs.register_job_kind(outbox.ISSUE_DUE_BADGES, run_issue_due_badges, _l("Badges due"))
    extensions.register_on_the_way(badges_on_their_way)
