"""The holder's page "Send my badges to another wallet": connect a backpack (OB 3.0 API), choose the badges to
send, see what was sent, disconnect. The work is in ``badges.backpack``; the pushes run in jobs."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from badges import backpack, services
from badges.forms import BackpackConnectForm, BackpackDisconnectForm, BackpackSendForm
from badges.views import bp
from core.db import db
from core.models import Role
from core.security import roles_required


@bp.route("/me/badges/wallet", methods=["GET", "POST"])
@roles_required(Role.TRAINEE)
def backpack_page():
    connect_form = BackpackConnectForm(prefix="connect")
    send_form = BackpackSendForm(prefix="send")
    disconnect_form = BackpackDisconnectForm(prefix="disconnect")
    status = 200
    if request.method == "POST":
        if "connect-url" in request.form and connect_form.validate_on_submit():
            try:
                _url, pending = backpack.begin(current_user, connect_form.url.data)
            except backpack.BackpackError as exc:
                connect_form.url.errors.append(str(exc))
            else:
                session[backpack.PENDING_KEY] = pending
                # Not a redirect to the wallet from here: the page's CSP (form-action 'self') would stop a form's
                # redirect to another site in the browser. A page of ours says what comes next, with a link.
                return redirect(url_for("badges.backpack_authorize"), 303)
        elif "send-submit" in request.form and send_form.validate_on_submit():
            try:
                queued = backpack.request_pushes(current_user, request.form.getlist("award"))
            except backpack.BackpackError as exc:
                flash(str(exc), "error")
                status = 422
            else:
                db.session.commit()
                flash(
                    _("Your badges are on their way. This page shows when they arrive.")
                    if queued
                    else _("These badges are already sent or on their way."),
                    "success",
                )
                return redirect(url_for("badges.backpack_page"))
        elif "disconnect-submit" in request.form and disconnect_form.validate_on_submit():
            if backpack.disconnect(current_user):
                db.session.commit()
                flash(_("Your wallet is disconnected. We deleted the access it gave us."), "success")
            return redirect(url_for("badges.backpack_page"))
        else:
            connect_form.validate()
        if connect_form.errors:
            status = 422
    connection = backpack.connection_of(current_user)
    now = datetime.now(UTC)
    awards = [a for a in services.awards_of(current_user) if backpack.sendable(a, now)] if connection else []
    return (
        render_template(
            "badges/backpack.html",
            connection=connection,
            awards=awards,
            pushes=backpack.push_rows(current_user),
            problem_text=backpack.problem_text,
            connect_form=connect_form,
            send_form=send_form,
            disconnect_form=disconnect_form,
        ),
        status,
    )


@bp.route("/me/badges/wallet/authorize")
@roles_required(Role.TRAINEE)
def backpack_authorize():
    """The step between: what happens next, and the link to the wallet's authorization page."""
    found = backpack.pending_authorization(session.get(backpack.PENDING_KEY), current_user)
    if found is None:
        return redirect(url_for("badges.backpack_page"))
    name, url = found
    return render_template("badges/backpack_authorize.html", name=name, url=url)


@bp.route("/me/badges/wallet/callback")
@roles_required(Role.TRAINEE)
def backpack_callback():
    """The holder is back from her wallet's authorization page."""
    pending = session.pop(backpack.PENDING_KEY, None)
    try:
        connection = backpack.finish(current_user, pending, request.args)
    except backpack.BackpackError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("Your wallet %(name)s is connected. Choose the badges to send.", name=connection.name), "success")
    return redirect(url_for("badges.backpack_page"))
