"""Log in and out, invitations and password resets (HTML)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from core import audit, devices, services, tokens
from core.forms import ChoosePasswordForm, ForgotPasswordForm, LoginForm
from core.security import public, rate_limited

bp = Blueprint("auth", __name__)

PENDING = "pending_token"


def safe_next(target: str | None, default: str | None = None) -> str:
    """A local path to go back to, never another site (no open redirect)."""
    fallback = default or url_for("core.home")
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return fallback
    return target


def _fresh_session() -> None:
    """A fresh session at every login and logout (no fixation): keep only the language chosen."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        known_devices = request.cookies.get(devices.COOKIE_NAME)
        try:
            user = services.authenticate(
                form.email.data, form.password.data, request.remote_addr or "unknown", known_devices
            )
        except services.TooManyAttempts as exc:
            return render_template("core/login.html", form=form, error=str(exc)), 429
        except services.ServiceError as exc:
            return render_template("core/login.html", form=form, error=str(exc))
        _fresh_session()
        login_user(user, remember=bool(form.remember.data))
        audit.record("user.login", "user_account", str(user.uuid))
        response = redirect(safe_next(form.next.data))
        devices.remember(response, known_devices, user)  # this browser is now known to the account
        return response
    return render_template("core/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    user = current_user._get_current_object()
    known_devices = request.cookies.get(devices.COOKIE_NAME)
    device = devices.known_device(known_devices, user)
    audit.record("user.logout", "user_account", str(user.uuid))
    services.end_sessions(user)  # the session version changes: the other browsers' device entries lapse too
    logout_user()
    _fresh_session()
    flash(_("You are logged out. See you soon!"), "success")
    response = redirect(url_for("auth.login"))
    if device is not None:  # this browser stays known, at the new session version
        devices.remember(response, known_devices, user, device=device)
    return response


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
@rate_limited("password-reset")
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        flash(
            _(
                "If an account exists for this address, a message with a link has been sent to it. "
                "No message? Ask your coordinator: they can give you the link."
            ),
            "success",
        )
        return redirect(url_for("auth.login"))
    return render_template("core/forgot_password.html", form=form)


def _token_page(purpose: str):
    """Shared flow of the two token links: keep the token out of the URL, then choose a password."""
    pending = session.get(PENDING)
    token = pending.get("token") if isinstance(pending, dict) and pending.get("purpose") == purpose else None
    if token is None:
        return render_template("core/link_invalid.html"), 400
    try:
        checked = tokens.check(token, purpose)
    except tokens.TokenError:
        session.pop(PENDING, None)
        return render_template("core/link_invalid.html"), 400
    form = ChoosePasswordForm()
    if form.validate_on_submit():
        try:
            user = services.redeem(token, purpose, form.password.data)
        except services.ServiceError as exc:
            form.password.errors = [str(exc)]
        except tokens.TokenError:
            session.pop(PENDING, None)
            return render_template("core/link_invalid.html"), 400
        else:
            _fresh_session()
            login_user(user)
            flash(_("Your password is saved. Welcome!"), "success")
            return redirect(url_for("core.home"))
    template = "core/accept_invitation.html" if purpose == "invite" else "core/reset_password.html"
    return render_template(template, form=form, person=checked.user)


def _stash(token: str, purpose: str, endpoint: str):
    session[PENDING] = {"purpose": purpose, "token": token}
    return redirect(url_for(endpoint))


@bp.route("/invitation/<token>")
@public
def accept_invitation(token: str):
    return _stash(token, "invite", "auth.invitation")


@bp.route("/invitation", methods=["GET", "POST"])
@public
def invitation():
    return _token_page("invite")


@bp.route("/password/reset/<token>")
@public
def reset_password(token: str):
    return _stash(token, "reset", "auth.password_reset")


@bp.route("/password/reset", methods=["GET", "POST"])
@public
def password_reset():
    return _token_page("reset")
