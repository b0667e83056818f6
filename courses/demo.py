"""The demo cohort of domain.md §5: the HETIS-style programme, 20 trainees, 40 half-day sessions on training
Thursdays, placements at 10 host organisations, attendance, hours and validations up to today, with the
outcomes the coordinators must see (regular, borderline, below 75 %, a pause, a withdrawal, a placement
reassigned). All fictional, generated deterministically: running it twice changes nothing."""

from __future__ import annotations

import random
from datetime import date, time, timedelta

from badges import services as badge_services
from core import demo as core_demo
from core.db import db
from core.models import User
from courses import awarding, services
from courses.models import AttendanceStatus, Cohort, Competency, Enrolment, Module, TrainerKind
from courses.presenters import expected_on
from courses.programme_spec import load_programme_file, shipped_programmes

COHORT_CODE = "DEMO-2026-27"
TITLE = "Formation initiale au travail-pair en action sociale — promotion Démo 2026-27"
PLACE = "Institut de formation Démo, Bruxelles"
MORNING, AFTERNOON = (time(9, 0), time(12, 0)), (time(13, 0), time(16, 0))
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
# Outcomes by trainee (index in core.demo.TRAINEES); the others attend regularly (≥ 90 %).
BORDERLINE = {3, 9, 16}  # Dario, Jonas, Rania: 75–80 %
BELOW = {13}  # Nordine: below 75 %, not eligible yet
PAUSED = 8  # Inès: a 4-week pause, then back
WITHDRAWN = 15  # Pablo: left during M2
REASSIGNED = 2  # Chloé: first placement ended early, then another host
EMPLOYED = {4, 10, 14, 17, 19}  # already employed (emploi) rather than on placement
TWO_DAYS = {0, 1, 5, 6, 7, 11, 12, 18}  # practice two days a week
PUBLIC_HOLDERS = (0, 4, 6, 10, 17)  # Amina, Élise, Gaëlle, Karima, Samuel: module badges made public
# Everyone else keeps their badges private, the default (among them Bruno and Léo, who hold all of theirs).
REVOKED_BADGE_HOLDER = 12  # Maëlle: a skill badge issued in error, then revoked


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
    if db.session.scalar(db.select(Cohort.id).where(Cohort.code == COHORT_CODE)):
        return f"Demo cohort {COHORT_CODE} already there."
    rng = random.Random(2026)  # noqa: S311 - demo data, not security
    programme = services.get_programme("hetis-initial")
    cohort = services.create_cohort(COHORT_CODE, programme, date(2026, 9, 17), date(2027, 2, 11), title=TITLE)
    cohort.place = PLACE
    trainers = {
        k: _user(f"{k}@example.org")
        for k in (
            "formatrice.paire",
            "formateur.pair",
            "formatrice.ts",
            "intervenant.thematique",
            "animatrice.intervision",
            "animateur.intervision",
        )
    }
    for key, user in trainers.items():
        kind = TrainerKind.PEER if key in ("formatrice.paire", "formateur.pair") else TrainerKind.PROFESSIONAL
        services.add_trainer(cohort, user, kind)

    sessions = []
    pairs = [("formatrice.paire", "formatrice.ts"), ("formateur.pair", "intervenant.thematique")]
    for module, days in DAYS.items():
        for n, day in enumerate(days):
            on = date.fromisoformat(day)
            team = [trainers[k] for k in pairs[n % 2]]
            sessions.append(services.create_session(cohort, module, on, *MORNING, trainers=team))
            if day in INTERVISION:
                sessions.append(
                    services.create_session(
                        cohort,
                        module,
                        on,
                        *AFTERNOON,
                        title="Intervision (méthode en trois étapes)",
                        trainers=[trainers["animatrice.intervision"], trainers["animateur.intervision"]],
                    )
                )
            else:
                title = "Présentation des travaux de fin de formation et jury" if module is None else None
                sessions.append(services.create_session(cohort, module, on, *AFTERNOON, title=title, trainers=team))

    enrolments: list[Enrolment] = []
    for index, name in enumerate(core_demo.TRAINEES):
        user = _user(core_demo.email_for(name))
        withdrawn = date(2026, 11, 5) if index == WITHDRAWN else None
        enrolment = services.enrol(cohort, user, cohort.starts_on, withdrawn)
        enrolments.append(enrolment)
    services.add_pause(enrolments[PAUSED], date(2026, 10, 19), date(2026, 11, 15))

    _attendance(sessions, enrolments, today)
    _placements_and_hours(enrolments, today, rng)
    _validations(cohort, enrolments, trainers, today)
    db.session.flush()
    badges = _badges(cohort, enrolments, today)
    return (
        f"Demo cohort {COHORT_CODE}: {len(enrolments)} trainees, {len(sessions)} sessions, "
        f"attendance and hours up to {min(today, cohort.ends_on)}; {badges}."
    )


def _badges(cohort: Cohort, enrolments, today: date) -> str:
    """The badges earned so far (domain.md §5): most holders keep them private (the default), some make theirs
    public, two keep everything private, and one badge is revoked after an issuance error."""
    if not awarding.can_issue():
        return "no badges (the issuer has no keys)"
    issued = [award for award, _created in awarding.issue_due([cohort], today)]
    by_user: dict[int, list] = {}
    for award in issued:
        by_user.setdefault(award.recipient_id, []).append(award)
    public_holders = [enrolments[i].user_id for i in PUBLIC_HOLDERS]
    made_public = 0
    for user_id in public_holders:
        for award in by_user.get(user_id, []):
            if award.achievement.kind == "module":
                badge_services.set_visibility(award, "public", _user_by_id(user_id))
                made_public += 1
    revoked = 0
    mistaken = [a for a in by_user.get(enrolments[REVOKED_BADGE_HOLDER].user_id, []) if a.achievement.kind == "skill"]
    if mistaken:
        badge_services.revoke(mistaken[0], "Issued in error", _user("coordination@example.org"))
        revoked = 1
    return f"{len(issued)} badges issued ({made_public} made public by their holders, {revoked} revoked)"


def _user_by_id(user_id: int) -> User:
    return db.session.get(User, user_id)


def _mark(index: int, k: int, minutes: int) -> services.MarkInput:
    """The demo's attendance pattern: trainee ``index`` at their ``k``-th expected session."""
    if index in BELOW:  # about two sessions in three: below the threshold
        absent = k % 3 == 0
    elif index in BORDERLINE:  # about four in five, and a late arrival now and then: 75–80 %
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


def _attendance(sessions, enrolments, today: date) -> None:
    coordinator = _user("coordination@example.org")
    seen = [0] * len(enrolments)
    for session in sessions:
        if session.on > today:
            continue
        marks = {}
        for index, enrolment in enumerate(enrolments):
            if not expected_on(enrolment, session.on):
                continue
            marks[enrolment.id] = _mark(index, seen[index], session.minutes)
            seen[index] += 1
        services.save_roster(session, marks, session.trainers[0] if session.trainers else coordinator, None)


def _placements_and_hours(enrolments, today: date, rng: random.Random) -> None:
    hosts = [services.get_or_create_host(f"Structure {code} Démo", kind=kind, city="Bruxelles") for code, kind in HOSTS]
    tutors = [_user(f"referent.{code.lower()}@example.org") for code, _ in HOSTS]
    start = date(2026, 9, 21)
    activities = [
        "accueil et permanence",
        "réunion d'équipe",
        "accompagnement vers un service",
        "animation d'un groupe de parole",
        "visite à domicile en binôme",
        "écrits professionnels",
    ]
    for index, enrolment in enumerate(enrolments):
        host, tutor = hosts[index % 10], tutors[index % 10]
        kind = "emploi" if index in EMPLOYED else "stage"
        placement = services.create_placement(enrolment, host, start, kind=kind, tutor=tutor)
        if index == REASSIGNED:
            services.cancel_placement(placement, date(2026, 10, 16))
            placement = services.create_placement(
                enrolment, hosts[(index + 1) % 10], date(2026, 10, 19), kind=kind, tutor=tutors[(index + 1) % 10]
            )
        days = (1, 2) if index in TWO_DAYS else (1,)  # Tuesday, and Wednesday for two days a week
        week = start
        while week <= today - timedelta(days=1):
            for offset in days:
                day = week + timedelta(days=offset)
                if day > today or not expected_on(enrolment, day):
                    continue
                entry = services.log_hours(enrolment, day, 7 * 60, rng.choice(activities))
                if day <= today - timedelta(days=7):
                    services.review_hours(entry, "confirmed", by=entry.placement.tutor if entry.placement else None)
            week += timedelta(days=7)


def _validations(cohort: Cohort, enrolments, trainers, today: date) -> None:
    competencies = db.session.execute(
        db.select(Competency, Module.code)
        .join(Module, Module.id == Competency.module_id)
        .where(Competency.programme_id == cohort.programme_id)
        .order_by(Module.position, Competency.position)
    ).all()
    module_end = {module: date.fromisoformat(days[-1]) for module, days in DAYS.items() if module}
    for index, enrolment in enumerate(enrolments):
        if index == WITHDRAWN:
            continue
        for n, (competency, module) in enumerate(competencies):
            done = module_end[module]
            if done > today:
                # The module is running: the first half of its competencies are validated already.
                if module != "M2" or n % 2 or today < date(2026, 11, 12):
                    continue
                done = date(2026, 11, 12)
            if index in BELOW and n % 3 == 0:
                continue  # a few still to be shown
            validator = trainers["formatrice.paire"] if n % 2 else trainers["formatrice.ts"]
            evidence = competency.evidence_types[0] if competency.evidence_types else "E-OBS"
            services.validate_competency(
                enrolment, competency, validator, evidence, done, "Observé en mise en situation."
            )
