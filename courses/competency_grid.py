"""Competencies in batches: after a role play, a trainer validates several trainees × several competencies of a
module (or one competency for the whole group) at once, with one kind of evidence and one date. What is already
validated is shown as such, never offered again."""

from __future__ import annotations

import uuid
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.orm import selectinload

from core.db import db
from core.security import roles_required
from core.services import ServiceError
from courses import permissions, services
from courses.blueprint import bp
from courses.models import Cohort, Competency, Enrolment, Module, Validation
from courses.presenters import evidence_label, expected_on, name_key
from courses.programme_spec import EVIDENCE_TYPES
from courses.views import STAFF


def _grid(cohort: Cohort, module_code: str | None, competency_code: str | None) -> dict:
    """The rows (trainees still in training, in reading order), the columns (competencies) and what is done."""
    modules = list(
        db.session.scalars(
            db.select(Module)
            .where(Module.programme_id == cohort.programme_id, Module.retired.is_(False))
            .order_by(Module.position)
        )
    )
    competencies = list(
        db.session.scalars(
            db.select(Competency)
            .join(Module, Module.id == Competency.module_id)
            .where(Competency.programme_id == cohort.programme_id, Competency.retired.is_(False))
            .order_by(Module.position, Competency.position)
        )
    )
    module = next((m for m in modules if m.code == module_code), None)
    single = next((c for c in competencies if c.code == competency_code), None)
    if single is not None:
        columns = [single]
    elif module is not None:
        columns = [c for c in competencies if c.module_id == module.id]
    else:
        columns = []
    today = date.today()
    enrolments = db.session.scalars(
        db.select(Enrolment)
        .where(Enrolment.cohort_id == cohort.id)
        # the names sort the rows and expected_on() reads the pauses: two queries for all, not two per trainee
        .options(selectinload(Enrolment.user), selectinload(Enrolment.pauses))
    ).all()
    rows = sorted(
        (e for e in enrolments if e.withdrawn_on is None or e.withdrawn_on > today),
        key=lambda e: name_key(e.user.legal_name),
    )
    done = set(
        db.session.execute(
            db.select(Validation.enrolment_id, Validation.competency_id).where(
                Validation.enrolment_id.in_([e.id for e in rows]),
                Validation.competency_id.in_([c.id for c in columns]),
                Validation.withdrawn_at.is_(None),
            )
        ).all()
    )
    return {
        "modules": modules,
        "competencies": competencies,
        "module": module,
        "single": single,
        "columns": columns,
        "rows": rows,
        "done": done,
        "expected": {e.id: expected_on(e, today) for e in rows},
    }


@bp.route("/cohorts/<uuid:cohort_uuid>/competencies", methods=["GET", "POST"])
@roles_required(*STAFF)
def competency_grid(cohort_uuid: uuid.UUID):
    cohort = db.first_or_404(db.select(Cohort).where(Cohort.uuid == cohort_uuid))
    permissions.require_staff(cohort)
    module_code = request.values.get("module") or None
    competency_code = request.values.get("competency") or None
    grid = _grid(cohort, module_code, competency_code)
    evidence = [(code, evidence_label(code)) for code in EVIDENCE_TYPES]
    problems: list[str] = []
    chosen = {"evidence": "", "on": date.today().isoformat(), "cells": set()}
    if request.method == "POST":
        if not grid["columns"]:
            abort(400)
        chosen["evidence"] = request.form.get("evidence_type", "")
        chosen["on"] = request.form.get("validated_on", "")
        chosen["cells"] = set(request.form.getlist("cell"))
        by_key = {(str(e.uuid), c.code): (e, c) for e in grid["rows"] for c in grid["columns"]}
        pairs = []
        for cell in sorted(chosen["cells"]):
            pair = by_key.get(tuple(cell.split("/", 1)))
            if pair is not None and (pair[0].id, pair[1].id) not in grid["done"]:  # never twice
                pairs.append(pair)
        try:
            on = date.fromisoformat(chosen["on"])
        except ValueError:
            problems.append(_("Give the date of the validation."))
        if chosen["evidence"] not in EVIDENCE_TYPES:
            problems.append(_("Choose the kind of evidence."))
        if not pairs:
            problems.append(_("Tick at least one box: a trainee and a competency."))
        if not problems:
            try:
                created = services.validate_batch(pairs, current_user, chosen["evidence"], on)
            except ServiceError as exc:
                db.session.rollback()
                problems.append(str(exc))
            else:
                flash(
                    ngettext(
                        "%(num)d validation saved, with the same evidence and date.",
                        "%(num)d validations saved, with the same evidence and date.",
                        len(created),
                    ),
                    "success",
                )
                return redirect(
                    url_for(
                        "courses.competency_grid",
                        cohort_uuid=cohort.uuid,
                        module=module_code,
                        competency=competency_code,
                    )
                )
    return render_template(
        "courses/competency_grid.html",
        cohort=cohort,
        evidence=evidence,
        problems=problems,
        chosen=chosen,
        **grid,
    ), (422 if problems else 200)
