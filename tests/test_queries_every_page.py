"""Every page a person opens costs the same number of SQL statements whatever the size of the platform (issue 19).

Each role of the access matrix (``tests/core/test_access_matrix.py``) opens every GET route it may open, with the
objects of the demo (``tests/demo_world.py``: Adèle, her cohort, placement, badge, certificate…). The statements
of each page are counted on the demo as loaded (two cohorts of 20 trainees, ~25 sessions each: the "small" world),
then again once the world has grown (``grow``: one more cohort; 15 more trainees in each cohort, with attendance on
every session, 5 more sessions, placements followed by the same referent, hours, validations, badges, funding
facts; more hours and badges for Adèle): every page must cost exactly the same (no slack). A page that queries
once per trainee, session, mark, badge, cohort or hours entry (an N+1) shows up as a difference.

A new GET route fails ``test_every_get_route_is_measured_or_excluded`` until it is measured (a role of the matrix
opens it) or excluded below with its reason.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, time, timedelta

import pytest
import sqlalchemy as sa

from badges import services as badge_services
from badges.models import Achievement, Award
from core import mail
from core import services as core_services
from core.db import db
from core.models import Job
from courses import facts, funding, outbox, services
from courses.models import (
    AttendanceStatus,
    Cohort,
    Competency,
    Enrolment,
    FundingSource,
    Placement,
    TraineeType,
    TrainerKind,
    TrainingSession,
)
from tests.conftest import statements
from tests.core.test_access_matrix import MATRIX
from tests.demo_world import ROLE_USERS, ROLES, login, url_for_rule, world

#: GET routes that are not pages, with why they are left out. Everything else a role may open is measured.
EXCLUDED = {
    "static": "the app's CSS, JS, fonts and images: files, no SQL",
    "core.healthz": "a probe for the load balancer (one SELECT 1), not a page",
    # Files: the bytes of one stored object or one generated document, not a list that grows.
    "courses.certificate_pdf": "a PDF of one certificate (rendered by WeasyPrint: seconds per request)",
    "courses.document_pdf": "a PDF of one funder document for one trainee",
    "courses.emargement_pdf": "a PDF of one session's signed sheet",
    "courses.session_sheet": "a PDF of one session's attendance sheet",
    "courses.evidence_download": "the stored bytes of one evidence file",
    "jobs.download": "the stored result of one finished job",
    "courses.calendar_ics": "a calendar feed (ICS) for calendar programs, not a page",
    "badges.badge_class_image": "one badge's image (PNG/SVG)",
    "badges.baked": "one baked badge image (PNG with the credential inside)",
    "badges.baked_ob2": "one baked badge image (PNG with the OB 2.0 assertion inside)",
    # Machine documents of Open Badges: fixed JSON per object, fetched by verifiers, not by people.
    "badges.assertion_jws": "one signed OB 2.0 assertion (JWS)",
    "badges.badge_class": "one OB 2.0 BadgeClass document",
    "badges.credential": "one stored OB 3.0 credential",
    "badges.credential_jwt": "one stored OB 3.0 VC-JWT",
    "badges.did_document": "the issuer's DID document",
    "badges.issuer_profile": "the issuer's profile document",
    "badges.key_document": "one public key document",
    "badges.revocation_list": "the OB 2.0 revocation list (a document for verifiers)",
    "badges.status_list": "one Bitstring Status List credential (a document for verifiers)",
    "api.openapi": "the API's OpenAPI description (a fixed document)",
    # Routes no role of the matrix gets a page from with the demo's objects (see MATRIX).
    "courses.emargement_code": "the rotating code of an open signing window: the demo session's window is closed",
    "courses.emargement_verify": "a signed sheet's verification code: the demo's certificate code is no sheet's",
    "auth.password_reset": "only with a valid reset token (the matrix's empty one gets 400)",
    "auth.invitation": "the password form of one invited person (their token kept in the session by the link)",
    "auth.accept_invitation": "a redirect that logs the token in, then the invitation form (measured)",
    "auth.reset_password": "a redirect that keeps the token, then the reset form (measured)",
    "courses.bpf_index": "a redirect to the BPF report of the current year (measured)",
    "courses.esf_participants_export": "the ESF+ participants' file: the demo's cohorts are not ESF+-funded (404)",
    # Wallets and applications (OAuth): steps that need a pending connection or a registered client's parameters.
    "badges.backpack_authorize": "the step to her other wallet's consent page: only with a connection under way",
    "badges.backpack_callback": "her other wallet's redirect back with a code: only with a connection under way",
    "oauth.authorize": "the consent page: only with a registered client's PKCE request (tests/badges/test_obapi.py)",
    "obapi.get_credentials": "the OB 3.0 API for applications (bearer token, paged by limit): not a page",
    "obapi.get_profile": "the OB 3.0 API for applications (bearer token): one profile, not a page",
}

#: Statuses that mean "the role opens this page" (303: the OB 2.0 assertion's redirect to its document).
OPENS = {200, 303}
EXTRA_TRAINEES = 15
EXTRA_SESSIONS = 5
EXTRA_BADGES = 4
EXTRA_PEOPLE_OF_TASKS = ("trainee", "trainer", "tutor", "funder", "admin")


@pytest.fixture
def app_config(app_config):
    return {**app_config, "RATE_LIMITS": {"verify": None, "password-reset": None}}


def get_routes(app) -> dict[str, object]:
    """endpoint -> rule for every GET route."""
    return {rule.endpoint: rule for rule in app.url_map.iter_rules() if "GET" in rule.methods}


def measured(app) -> dict[str, list[str]]:
    """role -> the GET endpoints it opens (per the access matrix), excluded ones left out."""
    pages: dict[str, list[str]] = {role: [] for role in ROLES}
    for endpoint in sorted(get_routes(app)):
        if endpoint in EXCLUDED:
            continue
        row = MATRIX.get(f"{endpoint} GET")
        if row is None:  # not in the access matrix yet: left unmeasured, so the coverage test names it
            continue
        for role, status in zip(ROLES, row, strict=True):
            if status in OPENS:
                pages[role].append(endpoint)
    return pages


def test_every_get_route_is_measured_or_excluded(app):
    covered = {endpoint for pages in measured(app).values() for endpoint in pages}
    routes = set(get_routes(app))
    assert sorted(routes - covered - EXCLUDED.keys()) == [], "new GET routes: measure them (or exclude, saying why)"
    assert sorted(EXCLUDED.keys() - routes) == [], "exclusions of routes that no longer exist"
    assert sorted(covered & EXCLUDED.keys()) == [], "excluded and measured at once"


def measure(app, clients, w, repeated: dict[tuple[str, str], str] | None = None) -> dict[tuple[str, str], int]:
    """(role, endpoint) -> statements of one GET of the page, after one warm-up GET (translations, compiled
    templates, per-process memos of documents that never change). The per-process memo of badge states is
    emptied before each counted request, so every page pays its one version read, whatever the clock says.
    A page the role does not get (another status than the matrix's) counts as minus its status.
    ``repeated`` gets, for each page, its statement sent most often (where to look for an N+1)."""
    counts: dict[tuple[str, str], int] = {}
    rules = get_routes(app)
    for role, endpoints in measured(app).items():
        client = clients[role]
        for endpoint in endpoints:
            url = url_for_rule(app, rules[endpoint], w)
            client.get(url).close()
            badge_services.forget_states()
            facts.forget(app)  # the cold path: every cohort evaluated, not read from the memo of the warm-up
            with statements() as seen:
                response = client.get(url)
                response.close()
            expected = MATRIX[f"{endpoint} GET"][ROLES.index(role)]
            counts[(role, endpoint)] = len(seen) if response.status_code == expected else -response.status_code
            if repeated is not None and seen:
                top = Counter(seen).most_common(1)[0]
                repeated[(role, endpoint)] = f"{top[1]}× {' '.join(top[0].split())[:300]}"
    return counts


def grow(w) -> None:
    """More of everything around Adèle: one more running cohort, taught by the trainer (its first sessions past);
    in each cohort, EXTRA_TRAINEES trainees (attendance on every past session, a placement followed by referent A
    with hours, validations, funding facts, a module badge for the alumni) and EXTRA_SESSIONS past sessions taught
    by the trainer; more pending hours and badges for Adèle."""
    trainer, tutor = w.users["trainer"], w.users["tutor"]
    adele = db.session.scalar(sa.select(Enrolment).where(Enrolment.uuid == w.values["enrolment_uuid"]))
    host = services.get_or_create_host("Maison de quartier (croissance)")
    today = date.today()
    extra = services.create_cohort(
        "CROISSANCE",
        db.session.get(Cohort, adele.cohort_id).programme,
        today - timedelta(weeks=8),
        today + timedelta(weeks=8),
        title="Promotion de croissance",
    )
    services.add_trainer(extra, trainer, TrainerKind.PROFESSIONAL)
    for k in range(8, 0, -1):
        services.create_session(extra, "M1", today - timedelta(weeks=k), time(9), time(12), trainers=[trainer])
    for cohort in db.session.scalars(sa.select(Cohort).order_by(Cohort.id)).all():
        past = list(
            db.session.scalars(
                sa.select(TrainingSession)
                .where(TrainingSession.cohort_id == cohort.id, TrainingSession.on < today, ~TrainingSession.cancelled)
                .order_by(TrainingSession.on, TrainingSession.starts_at)
            )
        )
        last = max(s.on for s in past)
        first = past[0]
        days = sorted({s.on for s in past})
        for n in range(EXTRA_SESSIONS):  # the Tuesdays after the first training Thursdays
            on = days[n] + timedelta(days=5)
            past.append(services.create_session(cohort, None, on, first.starts_at, first.ends_at, trainers=[trainer]))
        people = [
            core_services.create_user(
                f"croissance.{cohort.id}.{n:02d}@example.org", f"Croissance {n:02d} {cohort.code}", ["trainee"]
            )
            for n in range(EXTRA_TRAINEES)
        ]
        enrolments = [services.enrol(cohort, person) for person in people]
        everyone = list(db.session.scalars(sa.select(Enrolment).where(Enrolment.cohort_id == cohort.id)))
        for session in past:
            marked = everyone if session in past[-EXTRA_SESSIONS:] else enrolments
            marks = {e.id: services.MarkInput(AttendanceStatus.PRESENT) for e in marked if e.withdrawn_on is None}
            services.save_roster(session, marks, trainer, None)
        competencies = list(
            db.session.scalars(
                sa.select(Competency).where(Competency.programme_id == cohort.programme_id).order_by(Competency.code)
            )
        )[:4]
        for k, enrolment in enumerate(enrolments):
            placement = services.create_placement(enrolment, host, cohort.starts_on, tutor=tutor)
            day = min(last, today - timedelta(days=1))
            services.review_hours(
                services.log_hours(enrolment, day, 240, "accueil", placement=placement), "confirmed", by=tutor
            )
            services.log_hours(enrolment, day - timedelta(days=1), 180, "réunion", placement=placement)
            for competency in competencies[: 1 + k % 4]:
                services.validate_competency(enrolment, competency, trainer, "E-OBS", day)
            funding.set_enrolment_funding(
                enrolment, TraineeType.JOB_SEEKER.value, FundingSource.FRANCE_TRAVAIL.value, False
            )
        if cohort.id == adele.cohort_id:
            held = db.session.scalars(sa.select(Award).where(Award.recipient_id == adele.user_id)).all()
            achievement = db.session.get(Achievement, held[0].achievement_id)
            badge_services.issue_many([(achievement, e.user, None) for e in enrolments], notify=False)
            others = db.session.scalars(  # and Adèle holds more badges
                sa.select(Achievement)
                .where(Achievement.id.not_in({a.achievement_id for a in held}), Achievement.retired.is_(False))
                .order_by(Achievement.id)
                .limit(EXTRA_BADGES)
            ).all()
            assert len(others) == EXTRA_BADGES
            badge_services.issue_many([(a, adele.user, None) for a in others], notify=False)
    placement = db.session.scalar(sa.select(Placement).where(Placement.uuid == w.values["placement_uuid"]))
    for n in range(8):
        services.log_hours(adele, placement.starts_on + timedelta(days=n + 1), 60 + n, "accueil", placement=placement)
    # Tasks of everyone (some stopped, for the coordinator's overview) and mail in the outbox.
    for n, person in enumerate(EXTRA_PEOPLE_OF_TASKS * 2):
        status = ("done", "dead", "failed")[n % 3]
        db.session.add(Job(kind="certificates-zip", params={}, owner=w.users[person], status=status, attempts=1))
        mail.queue(f"croissance.{n}@example.org", f"Message {n}", "Bonjour.", "test")
    # The marks queued a badge job per trainee; a worker would have run them by now (as in the demo, issued by
    # hand above): while one waits, a trainee's pages say a badge is on its way, another page than the small one.
    outbox.unqueue_badges(db.session.scalars(sa.select(Enrolment.id)))
    db.session.commit()


def test_every_page_costs_the_same_whatever_the_size(app, demo):
    w = world(app)
    clients = {}
    for role in ROLES:
        clients[role] = app.test_client()
        if ROLE_USERS[role]:
            login(clients[role], ROLE_USERS[role])
    small = measure(app, clients, w)
    assert [key for key, n in small.items() if n < 0] == [], small
    grow(w)
    repeated: dict[tuple[str, str], str] = {}
    large = measure(app, clients, w, repeated)
    grew = {key: (small[key], large[key]) for key in small if small[key] != large[key]}
    assert grew == {}, "pages whose statements grow with the world (small -> large; most repeated):\n" + "\n".join(
        f"{role} {endpoint}: {before} -> {after}; {repeated.get((role, endpoint))}"
        for (role, endpoint), (before, after) in sorted(grew.items())
    )
