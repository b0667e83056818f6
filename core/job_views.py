"""Pages of background jobs: progress (works without JavaScript), JSON status, download of the result; and, for
coordinators, every job that needs attention (dead or failed, waiting for another try) with a retry button."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from core import jobs
from core.db import db
from core.models import Job, JobStatus, Role, User
from core.security import roles_required
from core.storage import download_response

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


def job_or_404(job_uuid: uuid.UUID) -> Job:
    job = db.first_or_404(db.select(Job).where(Job.uuid == job_uuid))
    if job.owner_id != current_user.id and not current_user.has_role(Role.ADMIN):
        abort(403)
    return job


def status_json(job: Job) -> dict:
    return {
        "id": str(job.uuid),
        "kind": job.kind,
        "status": job.status,
        "done": job.progress_done,
        "total": job.progress_total,
        "percent": job.percent,
        "error": job.error,
        # Done, but some items could not be made: ``error`` says which (one a line).
        "problems": job.error.splitlines() if job.status == "done" and job.error else [],
        "download_url": (
            url_for("jobs.download", job_uuid=job.uuid) if job.status == "done" and job.result_path else None
        ),
    }


@bp.route("/")
def mine():
    items = db.session.scalars(
        db.select(Job).where(Job.owner_id == current_user.id).order_by(Job.created_at.desc()).limit(50)
    ).all()
    return render_template("core/jobs.html", jobs=items, kind_title=_kind_title)


def _kind_title(kind: str) -> str:
    known = jobs.job_kind(kind)
    return str(known.title) if known and known.title else kind


@bp.route("/<uuid:job_uuid>")
def detail(job_uuid: uuid.UUID):
    job = job_or_404(job_uuid)
    return render_template("core/job.html", job=job, title=_kind_title(job.kind), status=status_json(job))


@bp.route("/<uuid:job_uuid>/status")
def status(job_uuid: uuid.UUID):
    return jsonify(status_json(job_or_404(job_uuid)))


@bp.route("/<uuid:job_uuid>/download")
def download(job_uuid: uuid.UUID):
    job = job_or_404(job_uuid)
    key = jobs.result_file(job) if job.status == "done" else None
    if key is None:
        abort(404)
    # Streamed from storage after the owner check (any app server can serve what any worker stored).
    return download_response(
        key, mimetype=job.result_type or "application/octet-stream", filename=job.result_name or "result"
    )


ATTENTION = (JobStatus.DEAD.value, JobStatus.FAILED.value, JobStatus.QUEUED.value, JobStatus.RUNNING.value)


@bp.route("/all")
@roles_required(Role.ADMIN)
def overview():
    """Every job not done, newest first: dead and failed ones can be retried from here."""
    items = db.session.scalars(
        db.select(Job)
        .where(Job.status.in_(ATTENTION))
        .order_by(Job.created_at.desc(), Job.id.desc())
        .limit(200)
        # each row names its owner (never their roles): the owners in the same query, not one query per owner
        .options(joinedload(Job.owner).lazyload(User.role_rows))
    ).all()
    dead = sum(1 for job in items if job.status == JobStatus.DEAD.value)
    return render_template("core/jobs_overview.html", jobs=items, dead=dead, kind_title=_kind_title)


@bp.route("/<uuid:job_uuid>/retry", methods=["POST"])
@roles_required(Role.ADMIN)
def retry(job_uuid: uuid.UUID):
    job = db.first_or_404(db.select(Job).where(Job.uuid == job_uuid))
    try:
        jobs.retry(job)
    except ValueError:
        flash(_("This task is not stopped: there is nothing to retry."), "error")
    else:
        flash(_("The task will be tried again in a moment."), "success")
    return redirect(url_for("jobs.overview"))
