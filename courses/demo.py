"""The demo promotions of domain.md §5, both of the HETIS-style programme and built by the same code:

- ``DEMO-2026-27``, running "today": 20 trainees, 40 half-day sessions on training Thursdays, placements at 10 host
  organisations, attendance, hours and validations up to today, with the outcomes the coordinators must see
  (regular, borderline, below 75 %, a pause, a withdrawal, a placement reassigned);
- ``DEMO-2025-26``, the same calendar a year earlier, finished: 20 alumni, final work and jury, and the badges
  they earned on the way (module, skill and programme badges, each dated when it was earned).

A promotion is played in order: attendance, hours, validations and final work up to each module's end, then the
badges due at that date are issued, dated that evening — as they would have been on the event. All fictional,
generated deterministically: running it twice changes nothing."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from badges import services as badge_services
from core import demo as core_demo
from core.db import db
from core.models import User
from courses import awarding, emargement_demo, funding, outbox, satisfaction, services
from courses.models import (
    AttendanceStatus,
    Cohort,
    Competency,
    Enrolment,
    FinalWork,
    FundingSource,
    Module,
    TraineeType,
    TrainerKind,
)
from courses.presenters import expected_on
from courses.programme_spec import load_programme_file, shipped_programmes

PROGRAMME = "hetis-initial"
PLACE = "Institut de formation Démo, Bruxelles"
MORNING, AFTERNOON = (time(9, 0), time(12, 0)), (time(13, 0), time(16, 0))
# The calendar of the 2026-27 promotion (domain.md §5); other promotions shift it by whole weeks.
DAYS = {
    "M1": ["2026-09-17", "2026-09-24", "2026-10-01", "2026-10-08", "2026-10-15"],
    "M2": [
        "2026-10-22",
        "2026-10-29",
        "2026-11-05",
        "2026-11-12",
        "2026-11-19",
        "2026-11-26",
        "2026-12-03",
        "2026-12-10",
    ],
    "M3": ["2026-12-17", "2027-01-07", "2027-01-14", "2027-01-21", "2027-01-28", "2027-02-04"],
    None: ["2027-02-11"],
}
INTERVISION = {"2026-09-24", "2026-10-22", "2026-11-26", "2026-12-17", "2027-01-28"}
PRACTICE_STARTS = date(2026, 9, 21)  # the Monday after the first training day
HOSTS = [
    ("A", "accueil de jour bas seuil pour femmes sans abri"),
    ("B", "équipe Housing First"),
    ("C", "unité logement accompagnement mobile (prévention des expulsions)"),
    ("D", "appartements de coordination thérapeutique"),
    ("E", "pôle communautaire d'un service de réduction des risques"),
    ("F", "service de tutelle de mineurs non accompagnés (médiation interculturelle)"),
    ("G", "guichet d'un organisme public d'assurance sociale (expertise du vécu)"),
    ("H", "centre de revalidation fonctionnelle"),
    ("I", "initiative d'habitations protégées"),
    ("J", "centre d'hébergement d'urgence pour demandeurs d'asile"),
]
ACTIVITIES = [
    "accueil et permanence",
    "réunion d'équipe",
    "accompagnement vers un service",
    "animation d'un groupe de parole",
    "visite à domicile en binôme",
    "écrits professionnels",
]
TRAINERS = (
    "formatrice.paire",
    "formateur.pair",
    "formatrice.ts",
    "intervenant.thematique",
    "animatrice.intervision",
    "animateur.intervision",
)
PEER_TRAINERS = ("formatrice.paire", "formateur.pair")


@dataclass(frozen=True)
class Promotion:
    """One demo cohort: who is in it and what happens to whom (indexes in ``trainees``); every other trainee
    attends regularly (≥ 90 %). Dates are those of the 2026-27 calendar, moved by ``shift`` days."""

    code: str
    title: str
    trainees: tuple[str, ...]
    shift: int = 0  # a multiple of 7: Thursdays stay Thursdays
    seed: int = 2026
    borderline: frozenset[int] = frozenset()  # 75–80 %
    below: frozenset[int] = frozenset()  # below 75 %, a few competencies still to be shown
    paused: int | None = None  # a 4-week pause, then back
    withdrawn: int | None = None  # left during M2
    # A first placement ended early ("sans lendemain", domain.md §5) on that day, then another host after some weeks.
    reassigned: Mapping[int, tuple[str, int]] = field(default_factory=dict)
    employed: frozenset[int] = frozenset()  # already employed (emploi) rather than on placement
    two_days: frozenset[int] = frozenset()  # practice two days a week
    final_work_failed: frozenset[int] = frozenset()  # to be presented again
    public: Mapping[int, tuple[str, ...]] = field(default_factory=dict)  # badge kinds the holder made public
    revoked_skill_holder: int | None = None  # a skill badge issued in error, then revoked

    def day(self, iso: str) -> date:
        return date.fromisoformat(iso) + timedelta(days=self.shift)

    @property
    def days(self) -> dict[str | None, list[date]]:
        return {module: [self.day(d) for d in days] for module, days in DAYS.items()}

    @property
    def first_day(self) -> date:
        return self.day(DAYS["M1"][0])

    @property
    def last_day(self) -> date:
        return self.day(DAYS[None][-1])


CURRENT = Promotion(
    code="DEMO-2026-27",
    title="Formation initiale au travail-pair en action sociale — promotion Démo 2026-27",
    trainees=tuple(core_demo.TRAINEES),
    borderline=frozenset({3, 9, 16}),  # Dario, Jonas, Rania
    below=frozenset({13}),  # Nordine: not eligible yet
    paused=8,  # Inès
    withdrawn=15,  # Pablo
    reassigned={2: ("2026-10-16", 0)},  # Chloé: another host from the next Monday
    employed=frozenset({4, 10, 14, 17, 19}),
    two_days=frozenset({0, 1, 5, 6, 7, 11, 12, 18}),
    # Amina, Élise, Gaëlle, Karima, Samuel made their module badges public; everyone else keeps theirs private,
    # the default (among them Bruno and Léo, who hold all of theirs).
    public=dict.fromkeys((0, 4, 6, 10, 17), ("module",)),
    revoked_skill_holder=12,  # Maëlle
)
ALUMNI = Promotion(
    code="DEMO-2025-26",
    title="Formation initiale au travail-pair en action sociale — promotion Démo 2025-26",
    trainees=tuple(core_demo.ALUMNI),
    shift=-364,  # 18 Sep 2025 → 12 Feb 2026
    seed=2025,
    borderline=frozenset({2, 11, 17}),  # Céline, Lucie, Rose: eligible all the same
    below=frozenset({6}),  # Grégoire: below 75 %, not certified
    paused=9,  # Joëlle: back after four weeks, certified
    withdrawn=14,  # Océane: left during M2
    reassigned={4: ("2026-10-16", 0), 12: ("2026-11-13", 4)},  # Émilie; Mehdi: 4 weeks without, hours short
    employed=frozenset({3, 8, 13, 16, 19}),
    two_days=frozenset({0, 1, 5, 7, 9, 10, 15, 18}),
    final_work_failed=frozenset({18}),  # Sofiane: to be presented again
    # Adèle shows all her badges with her name; Damien, Hélène, Kévin, Patrice and Thérèse their programme badge.
    # The others keep theirs private (the default).
    public={0: ("module", "programme"), **dict.fromkeys((3, 7, 10, 15, 19), ("programme",))},
)
PROMOTIONS = (ALUMNI, CURRENT)
COHORT_CODE = CURRENT.code  # the running promotion
ALUMNI_CODE = ALUMNI.code


def connect() -> None:
    core_demo.demo_loaded.connect(_on_demo_loaded)


def _on_demo_loaded(sender, report) -> None:
    report.lines.append(load(today=date.today()))


def _user(email: str) -> User:
    return db.session.scalar(db.select(User).where(User.email == email))


def load(today: date) -> str:
    for path in shipped_programmes():
        spec = load_programme_file(path)
        programme, _created = services.load_programme(spec, path.read_text(encoding="utf-8"))
        awarding.sync_achievements(programme)
    return "\n".join(load_promotion(promotion, today) for promotion in PROMOTIONS)


def load_promotion(p: Promotion, today: date) -> str:
    if db.session.scalar(db.select(Cohort.id).where(Cohort.code == p.code)):
        return f"Demo cohort {p.code} already there."
    cohort = services.create_cohort(
        p.code,
        services.get_programme(PROGRAMME),
        p.first_day,
        p.last_day,
        title=p.title,
        contact=_user("coordination@example.org"),
    )
    cohort.place = PLACE
    trainers = {key: _user(f"{key}@example.org") for key in TRAINERS}
    for key, user in trainers.items():
        services.add_trainer(cohort, user, TrainerKind.PEER if key in PEER_TRAINERS else TrainerKind.PROFESSIONAL)
    sessions = _sessions(p, cohort, trainers)
    enrolments: list[Enrolment] = []
    for index, name in enumerate(p.trainees):
        withdrawn = p.day("2026-11-05") if index == p.withdrawn else None
        enrolments.append(services.enrol(cohort, _user(core_demo.email_for(name)), cohort.starts_on, withdrawn))
    if p.paused is not None:
        services.add_pause(enrolments[p.paused], p.day("2026-10-19"), p.day("2026-11-15"))
    _placements(p, enrolments)
    validations = _validation_plan(p, cohort, enrolments, trainers, today)

    # Played in order: each module's facts, then the badges due at its end, dated that evening.
    checkpoints = sorted({days[-1] for days in p.days.values()} | {today})
    checkpoints = [day for day in checkpoints if day <= min(today, cohort.ends_on)]
    issued: list = []
    attended = [0] * len(enrolments)  # expected sessions met so far, by trainee (drives the attendance pattern)
    since = date.min
    rng = random.Random(p.seed)  # noqa: S311 - demo data, not security
    for checkpoint in checkpoints:
        _attendance(p, sessions, enrolments, since, checkpoint, attended)
        _hours(p, enrolments, since, checkpoint, today, rng)
        for enrolment, competency, validator, on in validations:
            if since < on <= checkpoint:
                evidence = competency.evidence_types[0] if competency.evidence_types else "E-OBS"
                services.validate_competency(
                    enrolment, competency, validator, evidence, on, "Observé en mise en situation."
                )
        if checkpoint == p.last_day:
            for index, enrolment in enumerate(enrolments):
                if index != p.withdrawn:
                    failed = index in p.final_work_failed
                    services.record_final_work(enrolment, FinalWork.FAILED if failed else FinalWork.PASSED)
        db.session.flush()
        if awarding.can_issue():
            at = None if checkpoint >= today else _evening(cohort, checkpoint)
            issued += [award for award, _created in awarding.issue_due([cohort], checkpoint, issued_at=at)]
        # Issued here, dated that evening (without keys: left to `tremplin badges issue`): the jobs the services
        # queued, which would issue at today's date, have nothing left to do.
        outbox.unqueue_badges(e.id for e in enrolments)
        since = checkpoint
    badges = _badges(p, cohort, enrolments, issued, today) if awarding.can_issue() else "no badges (no issuer keys)"
    signed = emargement_demo.sign_recent_sessions(cohort, today) if cohort.starts_on <= today <= cohort.ends_on else 0
    funders = _funders(p, enrolments, today)
    return (
        f"Demo cohort {p.code}: {len(enrolments)} trainees, {len(sessions)} sessions "
        f"({signed} signed and countersigned), attendance and hours up to {min(today, cohort.ends_on)}; {badges}; "
        f"{funders}."
    )


#: The funders' facts of the demo trainees, by index: (type of trainee, funding source), for the BPF.
FUNDING = (
    *[(TraineeType.JOB_SEEKER, FundingSource.FRANCE_TRAVAIL)] * 6,
    *[(TraineeType.JOB_SEEKER, FundingSource.REGION)] * 4,
    *[(TraineeType.EMPLOYEE, FundingSource.OPCO)] * 4,
    (TraineeType.EMPLOYEE, FundingSource.EMPLOYER),
    *[(TraineeType.INDIVIDUAL, FundingSource.CPF)] * 2,
    (TraineeType.INDIVIDUAL, FundingSource.SELF),
    *[(TraineeType.OTHER, FundingSource.OTHER)] * 2,
)


def _funders(p: Promotion, enrolments: list[Enrolment], today: date) -> str:
    """The BPF facts of every trainee and, for a finished promotion, the answers of most trainees to the
    end-of-module questionnaires (anonymous: counts only)."""
    for index, enrolment in enumerate(enrolments):
        trainee_type, source = FUNDING[index % len(FUNDING)]
        funding.set_enrolment_funding(enrolment, trainee_type.value, source.value, False)
    if p.last_day > today:
        return "funding facts recorded"
    rng = random.Random(p.seed + 30)  # noqa: S311 - demo data, not security
    answered = 0
    for enrolment in enrolments:
        for module, done in satisfaction.open_modules(enrolment, today):
            if done or rng.random() < 0.2:  # some never answer
                continue
            answers = {q: rng.choice((2, 3, 3, 4, 4, 4)) for q in satisfaction.QUESTIONS if rng.random() < 0.95}
            satisfaction.record_answers(enrolment, module, answers or {"q1": 4}, today)
            answered += 1
    return f"funding facts recorded, {answered} satisfaction questionnaires answered"


def _evening(cohort: Cohort, day: date) -> datetime:
    """6 pm on ``day`` in the cohort's time zone, in UTC: when that day's badges went out."""
    return datetime.combine(day, time(18, 0), ZoneInfo(cohort.timezone)).astimezone(UTC)


def _sessions(p: Promotion, cohort: Cohort, trainers: dict[str, User]) -> list:
    sessions = []
    pairs = [("formatrice.paire", "formatrice.ts"), ("formateur.pair", "intervenant.thematique")]
    intervision = {p.day(d) for d in INTERVISION}
    for module, days in p.days.items():
        for n, on in enumerate(days):
            team = [trainers[k] for k in pairs[n % 2]]
            sessions.append(services.create_session(cohort, module, on, *MORNING, trainers=team))
            if on in intervision:
                title = "Intervision (méthode en trois étapes)"
                team = [trainers["animatrice.intervision"], trainers["animateur.intervision"]]
            else:
                title = "Présentation des travaux de fin de formation et jury" if module is None else None
            sessions.append(services.create_session(cohort, module, on, *AFTERNOON, title=title, trainers=team))
    return sessions


def _badges(p: Promotion, cohort: Cohort, enrolments, issued, today: date) -> str:
    """Most holders keep their badges private (the default), some make theirs public (the alumni a fortnight
    after the jury), and one badge may be revoked after an issuance error."""
    by_user: dict[int, list] = {}
    for award in issued:
        by_user.setdefault(award.recipient_id, []).append(award)
    shown_on = p.last_day + timedelta(days=14)
    when = _evening(cohort, shown_on) if shown_on < today else None
    made_public = 0
    for index, kinds in p.public.items():
        user = db.session.get(User, enrolments[index].user_id)
        for award in by_user.get(user.id, []):
            if award.achievement.kind in kinds:
                badge_services.mark_seen(award)  # they opened it to choose
                badge_services.set_visibility(award, "public", user, now=when)
                made_public += 1
    revoked = 0
    if p.revoked_skill_holder is not None:
        mine = by_user.get(enrolments[p.revoked_skill_holder].user_id, [])
        mistaken = [a for a in mine if a.achievement.kind == "skill"]
        if mistaken:
            badge_services.revoke(mistaken[0], "Issued in error", _user("coordination@example.org"))
            revoked = 1
    kinds: dict[str, int] = {}
    for award in issued:
        kinds[award.achievement.kind] = kinds.get(award.achievement.kind, 0) + 1
    detail = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
    return (
        f"{len(issued)} badges issued{f' ({detail})' if detail else ''}, "
        f"{made_public} made public by their holders, {revoked} revoked"
    )


def _mark(p: Promotion, index: int, k: int, minutes: int) -> services.MarkInput:
    """The demo's attendance pattern: trainee ``index`` at their ``k``-th expected session."""
    if index in p.below:  # about two sessions in three: below the threshold
        absent = k % 3 == 0
    elif index in p.borderline:  # about four in five, and a late arrival now and then: 75–80 %
        absent = k % 5 == 1
        if not absent and k % 7 == 3:
            return services.MarkInput(AttendanceStatus.LATE.value, minutes - 60)
    else:  # regular: one excused absence, an early departure once
        if k == 4 + index % 6:
            return services.MarkInput(AttendanceStatus.EXCUSED.value)
        if k == 9 + index % 5:
            return services.MarkInput(AttendanceStatus.LEFT_EARLY.value, minutes - 45)
        absent = False
    return services.MarkInput(AttendanceStatus.ABSENT.value if absent else AttendanceStatus.PRESENT.value)


def _attendance(p: Promotion, sessions, enrolments, since: date, until: date, attended: list[int]) -> None:
    coordinator = _user("coordination@example.org")
    for session in sessions:
        if not since < session.on <= until or not services.roster_is_open(session):
            continue  # a roster opens when its session starts (today's afternoon is not taken in the morning)
        marks = {}
        for index, enrolment in enumerate(enrolments):
            if not expected_on(enrolment, session.on):
                continue
            marks[enrolment.id] = _mark(p, index, attended[index], session.minutes)
            attended[index] += 1
        services.save_roster(session, marks, session.trainers[0] if session.trainers else coordinator, None)


def _placements(p: Promotion, enrolments) -> None:
    hosts = [services.get_or_create_host(f"Structure {code} Démo", kind=kind, city="Bruxelles") for code, kind in HOSTS]
    tutors = [_user(f"referent.{code.lower()}@example.org") for code, _ in HOSTS]
    start = PRACTICE_STARTS + timedelta(days=p.shift)
    for index, enrolment in enumerate(enrolments):
        kind = "emploi" if index in p.employed else "stage"
        placement = services.create_placement(enrolment, hosts[index % 10], start, kind=kind, tutor=tutors[index % 10])
        if index in p.reassigned:
            ended, weeks_without = p.reassigned[index]
            services.cancel_placement(placement, p.day(ended))
            other = (index + 1) % 10
            again = p.day(ended) + timedelta(days=3, weeks=weeks_without)  # a Monday
            services.create_placement(enrolment, hosts[other], again, kind=kind, tutor=tutors[other])


def _hours(p: Promotion, enrolments, since: date, until: date, today: date, rng: random.Random) -> None:
    """Practice days (Tuesday, and Wednesday for two days a week) in (``since``, ``until``], 7 h each, logged by
    the trainee and confirmed by the referent a week later."""
    start = PRACTICE_STARTS + timedelta(days=p.shift)
    for index, enrolment in enumerate(enrolments):
        days = (1, 2) if index in p.two_days else (1,)
        week = start
        while week < until:
            for offset in days:
                day = week + timedelta(days=offset)
                if not since < day <= until or not expected_on(enrolment, day):
                    continue
                if services.placement_for(enrolment, day) is None:
                    continue  # between two placements
                entry = services.log_hours(enrolment, day, 7 * 60, rng.choice(ACTIVITIES))
                if day <= today - timedelta(days=7):
                    services.review_hours(entry, "confirmed", by=entry.placement.tutor if entry.placement else None)
            week += timedelta(days=7)


def _validation_plan(p: Promotion, cohort: Cohort, enrolments, trainers, today: date) -> list[tuple]:
    """(enrolment, competency, validator, date) of every validation the promotion gets up to ``today``: a module's
    competencies at its end; in a running module, the first half of them already (M2, from its fourth week)."""
    competencies = db.session.execute(
        db.select(Competency, Module.code)
        .join(Module, Module.id == Competency.module_id)
        .where(Competency.programme_id == cohort.programme_id)
        .order_by(Module.position, Competency.position)
    ).all()
    module_end = {module: days[-1] for module, days in p.days.items() if module}
    midway = p.day("2026-11-12")
    plan = []
    for index, enrolment in enumerate(enrolments):
        for n, (competency, module) in enumerate(competencies):
            done = module_end[module]
            if enrolment.withdrawn_on is not None and done >= enrolment.withdrawn_on:
                continue  # left before the module's end
            if done > today:
                # The module is running: the first half of its competencies are validated already.
                if module != "M2" or n % 2 or today < midway:
                    continue
                done = midway
            if index in p.below and n % 3 == 0:
                continue  # a few still to be shown
            validator = trainers["formatrice.paire"] if n % 2 else trainers["formatrice.ts"]
            plan.append((enrolment, competency, validator, done))
    return plan
