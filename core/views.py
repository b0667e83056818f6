"""Home page per role, the person's own account, the language switch, and the health check."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user
from werkzeug.security import check_password_hash

from core import api_auth, devices, pagecache, services
from core.auth import safe_next
from core.db import db, utcnow
from core.errors import RETRY_AFTER_SECONDS
from core.forms import ApiTokenForm, ChangePasswordForm, LanguageForm, ProfileForm
from core.home import home_version, panels_for
from core.models import ApiToken
from core.security import public

bp = Blueprint("core", __name__)


@bp.route("/")
def home():
    """The person's home: their role's panels, kept in memory while what they show is unchanged (``pagecache``)."""
    return pagecache.page(
        home_version(current_user), lambda: render_template("core/home.html", panels=panels_for(current_user))
    )


@bp.route("/account", methods=["GET", "POST"])
def account():
    profile = ProfileForm(obj=current_user, prefix="profile")
    password = ChangePasswordForm(prefix="password")
    if request.form.get("form") == "profile" and profile.validate_on_submit():
        try:
            services.update_user(
                current_user, display_name=profile.display_name.data or "", language=profile.language.data
            )
        except services.ServiceError as exc:
            getattr(profile, exc.field or "display_name").errors = [str(exc)]
        else:
            flash(_("Your changes are saved."), "success")
            return redirect(url_for("core.account"))
    elif request.form.get("form") == "password" and password.validate_on_submit():
        if not check_password_hash(current_user.password_hash or "", password.current.data):
            password.current.errors = [_("This is not your current password.")]
        else:
            try:
                services.set_password(current_user, password.password.data)
            except services.ServiceError as exc:
                password.password.errors = [str(exc)]
            else:
                # The session version changed: log this session in again, the others are ended (and the other
                # browsers are no longer known to the account; this one is, as it gave the password).
                user = current_user._get_current_object()
                login_user(user)
                flash(_("Your new password is saved. Your other sessions have been closed."), "success")
                response = redirect(url_for("core.account"))
                devices.remember(response, request.cookies.get(devices.COOKIE_NAME), user)
                return response
    status = 200 if not (profile.errors or password.errors) else 422
    return render_template("core/account.html", profile=profile, password=password), status


@bp.route("/account/tokens", methods=["GET", "POST"])
def api_tokens():
    """Personal access tokens for the JSON API: create (the token is shown once, on this page) and revoke."""
    form = ApiTokenForm()
    secret = None
    if form.validate_on_submit():
        try:
            _token, secret = api_auth.create_token(current_user, form.name.data, form.scopes.data, int(form.days.data))
        except services.ServiceError as exc:
            getattr(form, exc.field or "name").errors = [str(exc)]
        else:
            form = ApiTokenForm(formdata=None)
    tokens = db.session.scalars(
        db.select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.created_at.desc())
    ).all()
    status = 422 if form.errors else 200
    return render_template(
        "core/api_tokens.html", form=form, tokens=tokens, secret=secret, scopes=api_auth.SCOPES, now=utcnow()
    ), status


@bp.route("/account/tokens/<uuid:token_uuid>/revoke", methods=["POST"])
def api_token_revoke(token_uuid):
    token = db.first_or_404(db.select(ApiToken).where(ApiToken.uuid == token_uuid, ApiToken.user_id == current_user.id))
    api_auth.revoke_token(token)
    flash(_("The token %(name)s is revoked: it no longer works.", name=token.name), "success")
    return redirect(url_for("core.api_tokens"))


@bp.route("/language", methods=["POST"])
@public
def set_language():
    form = LanguageForm()
    if form.validate_on_submit():
        session["lang"] = form.lang.data
        if current_user.is_authenticated:
            services.update_user(current_user, language=form.lang.data)
    return redirect(safe_next(form.next.data or (request.referrer and _local_path(request.referrer))))


def _local_path(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.netloc and parts.netloc != request.host:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


@bp.route("/healthz")
@public
def healthz():
    """For load balancers and monitoring: 200 when the database answers, 503 (with ``Retry-After``) otherwise."""
    try:
        db.session.execute(db.text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - a connection already gone cannot be rolled back
            db.session.remove()
        response = jsonify(status="unavailable", database="unavailable")
        response.status_code = 503
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response.headers["Cache-Control"] = "no-store"
        return response
    return jsonify(status="ok")
