"""Fixtures of the training-core integration tests: the shipped programme, a small cohort, logged-in clients.

Everything is built through ``courses.services`` (factories over services, never raw SQL) and committed, so
that each request made by a test client sees it. The fixtures here that need the database depend on ``app``;
the pure tests of this folder (csvio, rules, programme_spec) never request them.
"""

from __future__ import annotations

import functools
import re
import struct
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, time, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from badges import keys
from badges.models import KeyKind
from core.db import db
from core.models import User
from courses import services
from courses.models import Cohort, Enrolment, HoursEntry, Placement, Programme, TrainerKind, TrainingSession
from courses.programme_spec import PROGRAMMES_DIR, ProgrammeSpec, load_programme_file
from tests.conftest import PASSWORD, CSRFClient

HETIS = PROGRAMMES_DIR / "hetis-initial.yaml"
MORNING = (time(9, 0), time(12, 0))  # 180 minutes


@functools.cache
def _spec(path: Path) -> ProgrammeSpec:
    """A parsed programme file, parsed once per test process (the specs are frozen: safe to share)."""
    return load_programme_file(path)


def load_programme(path: Path = HETIS) -> Programme:
    """Validate and load a programme file, as ``tremplin programmes load`` does (flushed, not committed)."""
    programme, _ = services.load_programme(_spec(path), path.read_text(encoding="utf-8"))
    return programme


def programme_variant(tmp_path: Path, programme_id: str, **rules: str) -> Path:
    """A copy of hetis-initial under another id, with some lines of its ``rules:`` block replaced.

    ``programme_variant(tmp_path, "hetis-covalid", co_validation="true")`` writes ``hetis-covalid.yaml``."""
    text = HETIS.read_text(encoding="utf-8").replace("id: hetis-initial", f"id: {programme_id}", 1)
    for key, value in rules.items():
        text, n = re.subn(rf"^(  {key}): .*$", rf"\g<1>: {value}", text, count=1, flags=re.MULTILINE)
        assert n == 1, f"no rules key {key} in {HETIS.name}"
    path = tmp_path / f"{programme_id}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@dataclass
class World:
    """A cohort and the people in it, as built by ``build_cohort``."""

    programme: Programme
    cohort: Cohort
    sessions: list[TrainingSession]
    past: list[TrainingSession]
    future: list[TrainingSession]
    trainer: User
    trainees: list[User]
    enrolments: list[Enrolment]

    @property
    def trainee(self) -> User:
        return self.trainees[0]

    @property
    def enrolment(self) -> Enrolment:
        return self.enrolments[0]


def count(model) -> int:
    """Rows of a table (a model class or a ``sa.Table``), read fresh from the database."""
    table = getattr(model, "__table__", model)
    return db.session.scalar(sa.select(sa.func.count()).select_from(table))


def counts(*models) -> dict[str, int]:
    return {getattr(m, "__tablename__", getattr(m, "name", str(m))): count(m) for m in models}


@pytest.fixture
def make_trainer(create_user) -> Callable[..., User]:
    def make(email: str | None = None, legal_name: str = "Formatrice Test", **fields) -> User:
        return create_user(roles=("trainer",), email=email, legal_name=legal_name, **fields)

    return make


@pytest.fixture
def build_cohort(app: Flask, create_user) -> Callable[..., World]:
    """Factory: ``build_cohort(code, trainees=3, past=4, future=2, ...)`` → a committed ``World``.

    Past sessions are on the days ``7 × k`` before today (the last one a week ago), future ones a week apart
    from a week after today; all are half-days 09:00–12:00 (180 minutes) unless ``times`` says otherwise,
    modules M1, M1, M2, M2, M1… A professional trainer is staff of the cohort. ``trainees`` is a number
    (named ``Trainee NN <code>``) or (e-mail, name) pairs; all are enrolled from the cohort's first day."""

    def build(
        code: str = "PROMO-TEST",
        *,
        trainees: int | Iterable[tuple[str, str]] = 3,
        past: int = 4,
        future: int = 2,
        programme: Programme | None = None,
        email_prefix: str | None = None,
        times: tuple[time, time] = MORNING,
    ) -> World:
        if programme is None:
            programme = db.session.scalar(sa.select(Programme).where(Programme.code == "hetis-initial"))
            programme = programme or load_programme()
        today = date.today()
        starts = today - timedelta(days=7 * past + 7)
        ends = today + timedelta(days=7 * future + 7)
        cohort = services.create_cohort(code, programme, starts, ends, title=f"Promotion {code}")
        prefix = email_prefix or code.lower()
        trainer = create_user(roles=("trainer",), email=f"trainer.{prefix}@example.org", legal_name=f"Trainer {code}")
        services.add_trainer(cohort, trainer, TrainerKind.PROFESSIONAL)
        days = [today - timedelta(days=7 * k) for k in range(past, 0, -1)]
        days += [today + timedelta(days=7 * k) for k in range(1, future + 1)]
        sessions = [
            services.create_session(cohort, ("M1", "M2")[(n // 2) % 2], on, *times, trainers=[trainer])
            for n, on in enumerate(days)
        ]
        if isinstance(trainees, int):
            people = [(f"{prefix}.t{n:02d}@example.org", f"Trainee {n:02d} {code}") for n in range(trainees)]
        else:
            people = list(trainees)
        users = [create_user(roles=("trainee",), email=email, legal_name=name) for email, name in people]
        enrolments = [services.enrol(cohort, user) for user in users]
        db.session.commit()
        return World(programme, cohort, sessions, sessions[:past], sessions[past:], trainer, users, enrolments)

    return build


def cancel(session: TrainingSession) -> None:
    """Cancel a session through the service, everything else as it was."""
    services.update_session(
        session,
        on=session.on,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        module_code=None,
        title=session.title,
        place=session.place,
        cancelled=True,
        trainers=session.trainers,
    )


PEOPLE = (
    ("alice@example.org", "Alice Martin"),
    ("bruno@example.org", "Bruno Dubois"),
    ("chloe@example.org", "Chloé Lambert"),
)


@pytest.fixture
def cohort(build_cohort) -> World:
    """hetis-initial; cohort PROMO-TEST: 4 past half-days (M1, M1, M2, M2) and 2 future ones (M1, M1); a
    professional trainer; Alice, Bruno and Chloé enrolled from the first day. Everything committed."""
    return build_cohort("PROMO-TEST", trainees=PEOPLE, email_prefix="promo")


@pytest.fixture
def client_for(app: Flask) -> Callable[[User], CSRFClient]:
    """A new test client (its own cookies) logged in as an existing user through the real login form."""

    def make(user: User) -> CSRFClient:
        client = app.test_client()
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return make


@pytest.fixture
def issuer(app):
    """The training body as badge issuer, with a key of each kind (committed)."""
    issuer = keys.ensure_issuer("Institut de formation Démo", "https://formation.example.org", "f@example.org")
    for kind in KeyKind:
        keys.generate(issuer, kind)
    db.session.commit()
    return issuer


@pytest.fixture
def admin(create_user) -> User:
    return create_user(roles=("admin",), email="coordination@example.org", legal_name="Coordination Test")


def tiny_png() -> bytes:
    """A valid 1×1 PNG, built by hand."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1×1, 8 bits, RGB
    pixels = zlib.compress(b"\x00\xf0\x80\x20")  # filter byte + one pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


@pytest.fixture
def make_tutor(create_user) -> Callable[..., User]:
    def make(email: str | None = None, legal_name: str = "Référente Test") -> User:
        return create_user(roles=("tutor",), email=email, legal_name=legal_name)

    return make


def placement_with_hours(
    enrolment: Enrolment, tutor: User | None, host: str, *minutes: int, tutor_email: str | None = None
) -> tuple[Placement, list[HoursEntry]]:
    """A placement started a month ago at ``host`` and one pending hours entry per ``minutes``, on the days
    before today (committed)."""
    today = date.today()
    placement = services.create_placement(
        enrolment,
        services.get_or_create_host(host),
        today - timedelta(days=30),
        tutor=tutor,
        tutor_name=None if tutor else "Référent sans compte",
        tutor_email=tutor_email,
    )
    entries = [
        services.log_hours(enrolment, today - timedelta(days=n + 1), m, "accueil et permanence")
        for n, m in enumerate(minutes)
    ]
    assert all(e.placement_id == placement.id for e in entries)
    db.session.commit()
    return placement, entries
