"""The holder's badges: see them, choose who sees them (private, public with the name, declined), download and
share them; their public page; and the coordinators' register (issue, revoke, re-issue)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date, to_user_timezone
from flask_babel import gettext as _
from flask_login import current_user

from badges import consent, extensions, linkedin, services
from badges.forms import ReissueForm, RevokeForm, VisibilityForm, WalletOfferForm
from badges.models import Achievement, Award, Visibility
from badges.presenters import reason_label
from badges.views import bp
from core.db import db
from core.i18n import current_language, localized, matches
from core.models import Role, User
from core.security import public, roles_required
from core.services import ServiceError


def linkedin_certification(award: Award, lang: str) -> linkedin.Certification | None:
    """The badge as LinkedIn's certification form takes it, in ``lang``; ``None`` unless it can go there: a badge
    that is valid and public (LinkedIn shows the credential URL to everyone, so it must show the holder's name)."""
    if award.visibility != Visibility.PUBLIC.value or award.status(datetime.now(UTC)) != "valid":
        return None
    return linkedin.Certification(
        name=localized(award.achievement.name, lang),
        organization_name=award.issuer.name,
        organization_id=linkedin.organization_id(current_app.config.get("LINKEDIN_ORGANIZATION_ID")),
        issued=to_user_timezone(award.earned_at).date(),  # the month the holder sees on her pages
        expires=to_user_timezone(award.valid_until).date() if award.valid_until else None,
        cert_url=services.award_urls(award)["verify_url"],
        cert_id=str(award.uuid),
    )


def linkedin_fields(cert: linkedin.Certification) -> list[tuple[str, str, str]]:
    """The same fields as text to copy, labelled as on LinkedIn's form: ``(id, label, value)``."""
    rows = [
        ("name", _("Name"), cert.name),
        ("organization", _("Issuing organisation"), cert.organization_name),
        ("issued", _("Issue date"), format_date(cert.issued, "MMMM y")),
    ]
    if cert.expires is not None:
        rows.append(("expires", _("Expiration date"), format_date(cert.expires, "MMMM y")))
    rows += [("id", _("Credential ID"), cert.cert_id), ("url", _("Credential URL"), cert.cert_url)]
    return rows


def linkedin_url(award: Award, lang: str) -> str | None:
    """LinkedIn's "Add licence or certification" link for ``award``, or ``None`` if it cannot go there."""
    cert = linkedin_certification(award, lang)
    return linkedin.add_to_profile_url(cert) if cert else None


def my_award_or_404(award_uuid: uuid.UUID) -> Award:
    award = db.first_or_404(db.select(Award).where(Award.uuid == award_uuid))
    if award.recipient_id != current_user.id:
        abort(404)  # not 403: whether a badge exists is nobody else's business
    return award


@bp.route("/me/badges")
@roles_required(Role.TRAINEE)
def my_badges():
    awards = services.awards_of(current_user)
    on_the_way = extensions.badge_on_the_way(current_user)
    return render_template(
        "badges/my_badges.html",
        awards=awards,
        withdrawn=services.withdrawn_awards_of(current_user),
        explain=services.revocation_explanation,
        now=datetime.now(UTC),
        on_the_way=on_the_way,
    )


@bp.route("/me/badges/<uuid:award_uuid>", methods=["GET", "POST"])
@roles_required(Role.TRAINEE)
def my_badge(award_uuid: uuid.UUID):
    award = my_award_or_404(award_uuid)
    if award.superseded_by_id is not None:
        return redirect(url_for("badges.my_badge", award_uuid=award.superseded_by.uuid))
    form = VisibilityForm(visibility=award.visibility)
    if form.validate_on_submit():
        try:
            award = services.set_visibility(award, form.visibility.data, current_user)
        except ServiceError as exc:
            flash(str(exc), "error")
        else:
            messages = {
                "public": _("Done: the badge is public, with your name. A new copy was made with your name on it."),
                "unlisted": _("Done: the badge is private. Only the people you share it with can see it."),
                "declined": _("Done: the badge is hidden. You can change your mind at any time."),
            }
            flash(messages[award.visibility], "success")
            return redirect(url_for("badges.my_badge", award_uuid=award.uuid))
    services.mark_seen(award)
    status = 422 if form.errors else 200
    cert = linkedin_certification(award, current_language())
    return (
        render_template(
            "badges/my_badge.html",
            award=award,
            explain=services.revocation_explanation,
            form=form,
            wallet_form=WalletOfferForm(),
            urls=services.award_urls(award),
            linkedin=cert and linkedin.add_to_profile_url(cert),
            linkedin_fields=cert and linkedin_fields(cert),
            now=datetime.now(UTC),
            wordings={v.value: consent.wording(v.value, current_user, current_language()) for v in Visibility},
            choices=consent.consents_for(award, current_user),
        ),
        status,
    )


@bp.route("/profiles/<uuid:user_uuid>")
@public
def profile(user_uuid: uuid.UUID):
    """The holder's public page: only the badges they made public. No page at all without one."""
    user = db.first_or_404(db.select(User).where(User.uuid == user_uuid, User.active.is_(True)))
    awards = list(
        db.session.scalars(
            db.select(Award)
            .where(
                Award.recipient_id == user.id,
                Award.visibility == Visibility.PUBLIC.value,
                Award.revoked_at.is_(None),
            )
            .order_by(Award.earned_at.desc(), Award.id.desc())
        )
    )
    now = datetime.now(UTC)
    awards = [a for a in awards if not a.expired(now)]
    if not awards:
        abort(404)
    return render_template("badges/profile.html", name=awards[0].display_name, awards=awards)


# ------------------------------------------------------------------------------------------------ register


@bp.route("/admin/badges")
@roles_required(Role.ADMIN)
def register():
    """Every issuance and revocation, newest first; filter by achievement or status."""
    page = request.args.get("page", 1, type=int)
    query = db.select(Award).order_by(Award.issued_at.desc(), Award.id.desc())
    achievement_uuid = request.args.get("achievement")
    achievement = None
    if achievement_uuid:
        try:
            achievement = db.session.scalar(
                db.select(Achievement).where(Achievement.uuid == uuid.UUID(achievement_uuid))
            )
        except ValueError:
            achievement = None
        if achievement is not None:
            query = query.where(Award.achievement_id == achievement.id)
    person = (request.args.get("person") or "").strip()[:200]
    if person:
        # Accents and case do not matter ("emilie" finds "Émilie"): matched here rather than in SQL, whose
        # collations differ between SQLite and PostgreSQL. Only the holders of a badge are read.
        holders_ids = db.select(Award.recipient_id).where(Award.recipient_id.is_not(None)).distinct()
        people = db.session.execute(
            db.select(User.id, User.legal_name, User.display_name, User.email).where(User.id.in_(holders_ids))
        ).all()
        found = [row.id for row in people if matches(person, row.legal_name, row.display_name, row.email)]
        query = query.where(Award.recipient_id.in_(found))
    state = request.args.get("state")
    if state == "revoked":
        query = query.where(Award.revoked_at.is_not(None))
    elif state == "active":
        query = query.where(Award.revoked_at.is_(None))
    awards = db.paginate(query, page=page, per_page=50, error_out=False)
    holders = {
        u.id: u
        for u in db.session.scalars(
            db.select(User).where(User.id.in_({a.recipient_id for a in awards.items if a.recipient_id}))
        )
    }
    achievements = db.session.scalars(
        db.select(Achievement).where(Achievement.retired.is_(False)).order_by(Achievement.key)
    ).all()
    return render_template(
        "badges/register.html",
        awards=awards,
        holders=holders,
        achievements=achievements,
        achievement=achievement,
        state=state,
        person=person,
        now=datetime.now(UTC),
        reason_label=reason_label,
    )


@bp.route("/admin/badges/<uuid:award_uuid>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def register_award(award_uuid: uuid.UUID):
    award = db.first_or_404(db.select(Award).where(Award.uuid == award_uuid))
    holder = db.session.get(User, award.recipient_id) if award.recipient_id else None
    revoke_form = RevokeForm(prefix="revoke")
    reissue_form = ReissueForm(prefix="reissue")
    confirming = False
    if request.method == "POST":
        if "revoke-reason" in request.form and revoke_form.validate_on_submit():
            try:
                reason = services.check_revocation_reason(revoke_form.public_reason())
                if revoke_form.confirmed.data == "yes":
                    services.revoke(award, reason, current_user)
            except ServiceError as exc:
                revoke_form.other.errors.append(str(exc))
            else:
                if revoke_form.confirmed.data != "yes":
                    confirming = True  # first, say what will happen, and ask again
                else:
                    flash(
                        _("The badge is revoked. Its verification page says so. Its holder has a message."),
                        "success",
                    )
                    return redirect(url_for("badges.register_award", award_uuid=award.uuid))
        elif "reissue-submit" in request.form and reissue_form.validate_on_submit():
            try:
                new = services.reissue(
                    award, by=current_user, display_name=holder.name if award.display_name and holder else None
                )
            except ServiceError as exc:
                flash(str(exc), "error")
            else:
                flash(_("A new badge was issued; the previous one is marked as superseded."), "success")
                return redirect(url_for("badges.register_award", award_uuid=new.uuid))
        else:
            revoke_form.validate()
    history = []
    if award.recipient_id:
        history = list(
            db.session.scalars(
                db.select(Award)
                .where(Award.recipient_id == award.recipient_id, Award.achievement_id == award.achievement_id)
                .order_by(Award.issued_at.desc(), Award.id.desc())
            )
        )
    status = 422 if revoke_form.errors else 200
    return (
        render_template(
            "badges/register_award.html",
            award=award,
            holder=holder,
            history=history,
            revoke_form=revoke_form,
            reissue_form=reissue_form,
            urls=services.award_urls(award),
            now=datetime.now(UTC),
            reason_label=reason_label,
            confirming=confirming,
        ),
        status,
    )
