"""Coordinators' pages for people: list, invite, edit, the mail outbox and the audit log."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core import services
from core.db import db
from core.forms import UserEditForm, UserForm
from core.i18n import matches, sort_key
from core.models import AuditEntry, OutboxMessage, Role, User, UserRole
from core.security import roles_required

bp = Blueprint("admin", __name__, url_prefix="/admin")

PAGE_SIZE = 50


def _page() -> int:
    try:
        return max(1, int(request.args.get("page", 1)))
    except ValueError:
        return 1


def _user_or_404(user_uuid: uuid.UUID) -> User:
    user = db.session.scalar(db.select(User).where(User.uuid == user_uuid))
    if user is None:
        abort(404)
    return user


def _apply_error(form, exc: services.ServiceError) -> None:
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, str(exc)]
    else:
        form.form_errors.append(str(exc))


class NamePage:
    """A page of people in reading order (``core.i18n.sort_key``: Émilie before Thérèse, whatever the database's
    collation), with what the pager macro reads."""

    def __init__(self, items: list, page: int, per_page: int, total: int) -> None:
        self.items, self.page, self.per_page, self.total = items, page, per_page, total
        self.pages = max(1, -(-total // per_page))
        self.has_prev, self.has_next = page > 1, page < self.pages
        self.prev_num, self.next_num = page - 1, page + 1

    def __iter__(self):
        return iter(self.items)


def _paged_by_name(query, search: str = "") -> NamePage:
    """Find (accents and case ignored: "emilie" finds "Émilie") and sort the people by name in Python, on their
    ids, names and e-mails only; then load one page of them."""
    rows = db.session.execute(query.with_only_columns(User.id, User.legal_name, User.display_name, User.email))
    if search:
        rows = [row for row in rows if matches(search, row.legal_name, row.display_name, row.email)]
    ids = [row.id for row in sorted(rows, key=lambda row: (sort_key(row.legal_name), row.email))]
    number = _page()
    chosen = ids[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
    people = {u.id: u for u in db.session.scalars(db.select(User).where(User.id.in_(chosen)))}
    return NamePage([people[i] for i in chosen], number, PAGE_SIZE, len(ids))


@bp.route("/users")
@roles_required(Role.ADMIN)
def users():
    query = db.select(User)
    search = (request.args.get("q") or "").strip()[:200]
    role = request.args.get("role")
    if role in {r.value for r in Role}:
        query = query.where(User.role_rows.any(UserRole.role == role))
    page = _paged_by_name(query, search)
    return render_template("core/admin_users.html", page=page, search=search, role=role)


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def users_new():
    form = UserForm()
    if form.validate_on_submit():
        try:
            user = services.create_user(
                form.email.data,
                form.legal_name.data,
                form.roles.data,
                display_name=form.display_name.data,
                language=form.language.data,
            )
            services.invite(user)
        except services.ServiceError as exc:
            _apply_error(form, exc)
        else:
            flash(_("%(name)s is invited. The invitation is in the outbox.", name=user.name), "success")
            return redirect(url_for("admin.users_detail", user_uuid=user.uuid))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("core/admin_user_form.html", form=form, person=None), status


@bp.route("/users/<uuid:user_uuid>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def users_detail(user_uuid: uuid.UUID):
    person = _user_or_404(user_uuid)
    form = UserEditForm(obj=person, roles=sorted(person.roles), active=person.active)
    del form.email  # the address is the login: changing it is a separate, audited operation
    if form.validate_on_submit():
        try:
            services.update_user(
                person,
                legal_name=form.legal_name.data,
                display_name=form.display_name.data or "",
                language=form.language.data,
                roles=form.roles.data,
                active=form.active.data,
                acting=current_user,
            )
        except services.ServiceError as exc:
            _apply_error(form, exc)
        else:
            flash(_("Your changes are saved."), "success")
            return redirect(url_for("admin.users_detail", user_uuid=person.uuid))
    messages = db.session.scalars(
        db.select(OutboxMessage)
        .where(OutboxMessage.recipient == person.email)
        .order_by(OutboxMessage.created_at.desc())
        .limit(10)
    ).all()
    status = 422 if form.errors or form.form_errors else 200
    return render_template("core/admin_user_form.html", form=form, person=person, messages=messages), status


@bp.route("/users/<uuid:user_uuid>/invite", methods=["POST"])
@roles_required(Role.ADMIN)
def users_invite(user_uuid: uuid.UUID):
    person = _user_or_404(user_uuid)
    try:
        services.invite(person)
    except services.ServiceError as exc:
        flash(str(exc), "error")
    else:
        flash(_("A new invitation is in the outbox."), "success")
    return redirect(url_for("admin.users_detail", user_uuid=person.uuid))


@bp.route("/outbox")
@roles_required(Role.ADMIN)
def outbox():
    query = db.select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    page = db.paginate(query, page=_page(), per_page=PAGE_SIZE, error_out=False)
    return render_template("core/admin_outbox.html", page=page)


@bp.route("/outbox/<uuid:message_uuid>")
@roles_required(Role.ADMIN)
def outbox_message(message_uuid: uuid.UUID):
    message = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.uuid == message_uuid))
    if message is None:
        abort(404)
    return render_template("core/admin_outbox_message.html", message=message)


@bp.route("/audit")
@roles_required(Role.ADMIN)
def audit_log():
    # The page shows each actor's name, never their roles: not loading them (read if ever asked for) keeps the
    # page at the same number of statements whether its entries have actors or not.
    query = (
        db.select(AuditEntry)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .options(sa.orm.joinedload(AuditEntry.actor).lazyload(User.role_rows))
    )
    object_type = request.args.get("type")
    if object_type:
        query = query.where(AuditEntry.object_type == object_type)
    page = db.paginate(query, page=_page(), per_page=PAGE_SIZE, error_out=False)
    return render_template("core/admin_audit.html", page=page, object_type=object_type)
