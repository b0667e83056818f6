"""The anonymous end-of-module satisfaction questionnaire (Qualiopi indicator 30).

Five short questions in easy-to-read French, each answered on four steps (no, not at all … yes, fully) or left
without an answer. **Answers are not linked to the person**: they are added to counts
(``SatisfactionTally``: cohort, module, question, answer → count, changed by a plain SQL ``UPDATE`` that the
audit log does not follow), and a separate row (``SatisfactionReceipt``) records only that the trainee answered
that module's questionnaire, so that she is not asked twice. Neither holds a time.

Results are aggregates with small-cell suppression for everyone (coordinators, trainers, funders): nothing is
shown for a module with fewer than 5 answers; a count from 1 to 4 is shown as "<5", and when that would leave
one masked count in a question's row, the next smallest is masked too, so that it cannot be worked out from the
row's total.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from core.db import db
from core.services import ServiceError
from courses.models import (
    Enrolment,
    Module,
    SatisfactionReceipt,
    SatisfactionTally,
    TrainingSession,
)

# The questions (French: at most 15 words each, one idea each, no abbreviation).
QUESTIONS = {
    "q1": _l("In this module, I learned useful things."),
    "q2": _l("The trainers explained things well."),
    "q3": _l("In the group, I felt at ease."),
    "q4": _l("The times and the pace suited me."),
    "q5": _l("I would advise this module to another person."),
}
ANSWERS = {
    1: _l("No, not at all"),
    2: _l("Rather no"),
    3: _l("Rather yes"),
    4: _l("Yes, fully"),
}
SMALL = 5  # fewer answers than this: nothing is shown; a count from 1 to 4 is shown as "<5"
MASKED = "<5"


def module_end(cohort_id: int, module_id: int) -> date | None:
    """The day of the module's last session in the cohort (cancelled sessions left out)."""
    return db.session.scalar(
        sa.select(sa.func.max(TrainingSession.on)).where(
            TrainingSession.cohort_id == cohort_id,
            TrainingSession.module_id == module_id,
            TrainingSession.cancelled.is_(False),
        )
    )


def open_modules(enrolment: Enrolment, today: date) -> list[tuple[Module, bool]]:
    """The modules whose questionnaire the trainee may fill in (the module's last session is today or past,
    and she had not left before it), each with whether she already answered."""
    ends = dict(
        db.session.execute(
            sa.select(TrainingSession.module_id, sa.func.max(TrainingSession.on))
            .where(
                TrainingSession.cohort_id == enrolment.cohort_id,
                TrainingSession.module_id.is_not(None),
                TrainingSession.cancelled.is_(False),
            )
            .group_by(TrainingSession.module_id)
        ).all()
    )
    answered = set(
        db.session.scalars(
            sa.select(SatisfactionReceipt.module_id).where(SatisfactionReceipt.enrolment_id == enrolment.id)
        )
    )
    modules = db.session.scalars(
        sa.select(Module).where(Module.id.in_(list(ends))).order_by(Module.position, Module.code)
    ).all()
    return [
        (m, m.id in answered)
        for m in modules
        if ends[m.id] <= today and (enrolment.withdrawn_on is None or enrolment.withdrawn_on > ends[m.id])
    ]


def _bump(cohort_id: int, module_id: int, question: str, answer: int) -> None:
    table = SatisfactionTally.__table__
    where = (
        (table.c.cohort_id == cohort_id)
        & (table.c.module_id == module_id)
        & (table.c.question == question)
        & (table.c.answer == answer)
    )
    increment = sa.update(table).where(where).values(count=table.c.count + 1)
    if db.session.execute(increment).rowcount:
        return
    try:
        with db.session.begin_nested():
            db.session.execute(
                sa.insert(table).values(
                    cohort_id=cohort_id, module_id=module_id, question=question, answer=answer, count=1
                )
            )
    except IntegrityError:  # another answer created the row at the same moment
        db.session.execute(increment)


def record_answers(enrolment: Enrolment, module: Module, answers: dict[str, int], today: date) -> None:
    """Add the trainee's answers to the counts and record that she answered (once per module). A module not
    open to her, a second answer or an unknown question or answer is refused and changes nothing."""
    if module.id not in {m.id for m, _done in open_modules(enrolment, today)}:
        raise ServiceError(_l("This questionnaire is not open for you."))
    if not answers:
        raise ServiceError(_l("Answer at least one question, please."))
    for question, answer in answers.items():
        if question not in QUESTIONS or answer not in ANSWERS:
            raise ServiceError(_l("This answer is not in the list."))
    try:
        with db.session.begin_nested():
            db.session.add(SatisfactionReceipt(enrolment_id=enrolment.id, module_id=module.id))
            db.session.flush()
    except IntegrityError as exc:
        raise ServiceError(_l("You have already answered. Thank you!")) from exc
    for question, answer in sorted(answers.items()):
        _bump(enrolment.cohort_id, module.id, question, answer)


# --------------------------------------------------------------------------------------------------- results


def mask_row(counts: Sequence[int]) -> list[int | str]:
    """Small-cell suppression of one row whose total is published: counts from 1 to 4 become "<5"; if that
    leaves exactly one masked cell, the smallest other cell is masked too ("<5" when below 5, else "hidden")."""
    masked = {i for i, c in enumerate(counts) if 0 < c < SMALL}
    if len(masked) == 1 and len(counts) > 1:
        others = sorted((c, i) for i, c in enumerate(counts) if i not in masked)
        masked.add(others[0][1])
    return [(MASKED if counts[i] < SMALL else _("hidden")) if i in masked else c for i, c in enumerate(counts)]


@dataclass
class ModuleResult:
    cohort_id: int
    module: Module
    respondents: int
    shown: bool  # False below SMALL respondents: nothing else is published
    rows: list[tuple[str, list[Any], Any]]  # (question, cells: the 4 answers then "no answer", share agreeing)


def results(cohort_ids: Iterable[int]) -> list[ModuleResult]:
    """The questionnaire's results per cohort and module, suppressed as the module's docstring says."""
    cohort_ids = list(cohort_ids)
    if not cohort_ids:
        return []
    respondents: dict[tuple[int, int], int] = {
        (cohort_id, module_id): n
        for cohort_id, module_id, n in db.session.execute(
            sa.select(Enrolment.cohort_id, SatisfactionReceipt.module_id, sa.func.count())
            .join(Enrolment, Enrolment.id == SatisfactionReceipt.enrolment_id)
            .where(Enrolment.cohort_id.in_(cohort_ids))
            .group_by(Enrolment.cohort_id, SatisfactionReceipt.module_id)
        )
    }
    counts: dict[tuple[int, int], dict[str, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
    for row in db.session.execute(
        sa.select(SatisfactionTally.__table__).where(SatisfactionTally.__table__.c.cohort_id.in_(cohort_ids))
    ):
        counts[(row.cohort_id, row.module_id)][row.question][row.answer] = row.count
    modules = {
        m.id: m for m in db.session.scalars(sa.select(Module).where(Module.id.in_({k[1] for k in respondents} or {-1})))
    }
    out = []
    for (cohort_id, module_id), n in sorted(respondents.items(), key=lambda kv: (kv[0][0], modules[kv[0][1]].position)):
        shown = n >= SMALL
        rows = []
        if shown:
            for question in QUESTIONS:
                given = counts[(cohort_id, module_id)].get(question, {})
                cells = [given.get(answer, 0) for answer in ANSWERS]
                cells.append(n - sum(cells))  # no answer
                masked = mask_row(cells)
                answered = sum(cells[:4])
                agree: Any = None
                if answered:
                    agree = (
                        Fraction((cells[2] + cells[3]) * 100, answered)
                        if all(isinstance(c, int) for c in masked)
                        else _("hidden")
                    )
                rows.append((question, masked, agree))
        out.append(ModuleResult(cohort_id, modules[module_id], n, shown, rows))
    return out


def collected(cohort_ids: Iterable[int], today: date | None = None) -> tuple[int, int]:
    """(questionnaires answered, questionnaires open) over these cohorts: the figure of Qualiopi indicator 30.
    A questionnaire is open to a trainee once the module's last session is past, unless she had left before.
    Three queries whatever the number of cohorts and trainees."""
    cohort_ids = list(cohort_ids)
    if not cohort_ids:
        return 0, 0
    today = today or date.today()
    answered = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(SatisfactionReceipt)
        .join(Enrolment, Enrolment.id == SatisfactionReceipt.enrolment_id)
        .where(Enrolment.cohort_id.in_(cohort_ids))
    )
    ends: dict[int, list[date]] = defaultdict(list)
    for cohort_id, _module_id, end in db.session.execute(
        sa.select(TrainingSession.cohort_id, TrainingSession.module_id, sa.func.max(TrainingSession.on))
        .where(
            TrainingSession.cohort_id.in_(cohort_ids),
            TrainingSession.module_id.is_not(None),
            TrainingSession.cancelled.is_(False),
        )
        .group_by(TrainingSession.cohort_id, TrainingSession.module_id)
    ):
        if end <= today:
            ends[cohort_id].append(end)
    possible = 0
    for cohort_id, withdrawn_on in db.session.execute(
        sa.select(Enrolment.cohort_id, Enrolment.withdrawn_on).where(Enrolment.cohort_id.in_(cohort_ids))
    ):
        possible += sum(1 for end in ends.get(cohort_id, ()) if withdrawn_on is None or withdrawn_on > end)
    return int(answered or 0), possible
