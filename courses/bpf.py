"""The pedagogical part of the BPF (bilan pédagogique et financier, Cerfa 10443) of one civil year.

Pure: standard library only, no Flask, no database. It counts trainees and trainee-hours box by box from one
fact per enrolment (the trainee's type, whether another training body entrusted the training to us, the
programme's objective, level and NSF specialty, and the minutes attended inside the year, as the eligibility
engine counts them).

The boxes follow the Cerfa's lines (secondary sources: the Cerfa's notice as training-sector guides summarise it):
* F-1, by type of trainee: a employees, b apprentices (Tremplin records none: always 0), c job seekers,
  d private individuals paying themselves, e others; a line for enrolments whose type is not recorded yet
  (to fill before filing), and the total;
* F-3, by general objective: a RNCP titles (then by level: 6 to 8, 5, 4, 3, 2), b the specific register (RS),
  c CQPs in neither, d other vocational training, e skills reviews, f VAE support; the total;
* F-4, by training specialty (NSF code): the five specialties with the most hours, then all others;
* G, trainees whose training another training body entrusted to us (subcontracting): they are counted here and
  NOT in F, as the notice asks.

A trainee is counted once per enrolment with at least one minute attended in the year; hours are the minutes
attended (present, late or left early, as the roster says) in sessions of that year. Practice hours (placement,
job) are not training hours and are not counted.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass

TRAINEE_TYPES = ("employee", "job_seeker", "individual", "other")
OBJECTIVES = ("rncp", "rs", "cqp", "other", "skills_review", "vae")

F1_BOX = {"employee": "F-1-a", "job_seeker": "F-1-c", "individual": "F-1-d", "other": "F-1-e"}
F1_APPRENTICES = "F-1-b"
F1_UNKNOWN = "F-1-?"
F1_TOTAL = "F-1-total"
F3_BOX = {"rncp": "F-3-a", "rs": "F-3-b", "cqp": "F-3-c", "other": "F-3-d", "skills_review": "F-3-e", "vae": "F-3-f"}
#: RNCP level → the F-3-a sub-line it falls in.
F3_LEVEL_BOX = {8: "F-3-a-1", 7: "F-3-a-1", 6: "F-3-a-1", 5: "F-3-a-2", 4: "F-3-a-3", 3: "F-3-a-4", 2: "F-3-a-5"}
F3_LEVEL_LINES = ("F-3-a-1", "F-3-a-2", "F-3-a-3", "F-3-a-4", "F-3-a-5")
F3_TOTAL = "F-3-total"
F4_TOP = 5
F4_OTHERS = "F-4-others"
F4_UNKNOWN = "F-4-?"
G_BOX = "G"


@dataclass(frozen=True)
class EnrolmentYear:
    """One enrolment as the BPF sees it. ``minutes``: attended inside the year."""

    key: Hashable
    minutes: int
    trainee_type: str | None = None
    subcontracted: bool = False
    objective: str = "other"
    level: int | None = None
    nsf: str | None = None

    def __post_init__(self) -> None:
        if self.minutes < 0:
            raise ValueError(f"enrolment {self.key!r}: negative minutes")
        if self.trainee_type is not None and self.trainee_type not in TRAINEE_TYPES:
            raise ValueError(f"enrolment {self.key!r}: unknown trainee type {self.trainee_type!r}")
        if self.objective not in OBJECTIVES:
            raise ValueError(f"enrolment {self.key!r}: unknown objective {self.objective!r}")


@dataclass
class Box:
    """One line of the form: its box code, what it counts (``detail``: e.g. the NSF code), trainees and minutes."""

    code: str
    trainees: int = 0
    minutes: int = 0
    detail: str | None = None

    def add(self, fact: EnrolmentYear) -> None:
        self.trainees += 1
        self.minutes += fact.minutes


@dataclass(frozen=True)
class Bpf:
    year: int
    boxes: tuple[Box, ...]
    unknown_type: int  # enrolments counted whose trainee type is not recorded yet

    def box(self, code: str, detail: str | None = None) -> Box:
        for box in self.boxes:
            if box.code == code and (detail is None or box.detail == detail):
                return box
        raise KeyError(code)

    @property
    def trainee_minutes(self) -> int:
        """Every trainee-hour of the year, in minutes: cadre F's total plus cadre G's."""
        return self.box(F1_TOTAL).minutes + self.box(G_BOX).minutes


def compute(year: int, facts: Iterable[EnrolmentYear]) -> Bpf:
    """The boxes of ``year`` from one fact per enrolment; enrolments with no minute in the year are left out."""
    counted = [f for f in facts if f.minutes > 0]
    own = [f for f in counted if not f.subcontracted]
    f1 = {code: Box(code) for code in ("F-1-a", F1_APPRENTICES, "F-1-c", "F-1-d", "F-1-e")}
    unknown = Box(F1_UNKNOWN)
    f1_total = Box(F1_TOTAL)
    f3 = {code: Box(code) for code in F3_BOX.values()}
    levels = {code: Box(code) for code in F3_LEVEL_LINES}
    f3_total = Box(F3_TOTAL)
    by_nsf: dict[str | None, Box] = {}
    for fact in own:
        (unknown if fact.trainee_type is None else f1[F1_BOX[fact.trainee_type]]).add(fact)
        f1_total.add(fact)
        f3[F3_BOX[fact.objective]].add(fact)
        if fact.objective == "rncp" and fact.level in F3_LEVEL_BOX:
            levels[F3_LEVEL_BOX[fact.level]].add(fact)
        f3_total.add(fact)
        by_nsf.setdefault(fact.nsf, Box("F-4", detail=fact.nsf)).add(fact)
    g = Box(G_BOX)
    for fact in counted:
        if fact.subcontracted:
            g.add(fact)

    known = sorted((box for nsf, box in by_nsf.items() if nsf is not None), key=lambda b: (-b.minutes, b.detail))
    f4 = [Box(f"F-4-{i}", b.trainees, b.minutes, b.detail) for i, b in enumerate(known[:F4_TOP], start=1)]
    others = Box(F4_OTHERS)
    for box in known[F4_TOP:]:
        others.trainees += box.trainees
        others.minutes += box.minutes
    f4.append(others)
    if None in by_nsf:
        f4.append(Box(F4_UNKNOWN, by_nsf[None].trainees, by_nsf[None].minutes))

    boxes = [
        *f1.values(),
        unknown,
        f1_total,
        f3["F-3-a"],
        *levels.values(),
        *(f3[code] for code in ("F-3-b", "F-3-c", "F-3-d", "F-3-e", "F-3-f")),
        f3_total,
        *f4,
        g,
    ]
    return Bpf(year=year, boxes=tuple(boxes), unknown_type=unknown.trainees)
