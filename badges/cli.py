"""``tremplin keys``: the issuer's signing keys."""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from badges import keys, services, wallet
from badges.models import Achievement, Award, KeyKind
from badges.verify_views import own_issuer_ids, verify_input
from core import pdf_signing
from core.cli import fail, transaction
from core.db import db
from core.models import PdfSigningCertificate
from core.services import ServiceError

KINDS = [k.value for k in KeyKind]
PDF_KIND = "pdf"  # the training body's X.509 certificate that signs every PDF (core.pdf_signing)


@click.group("keys")
def keys_group() -> None:
    """Signing keys of the badge issuer (private halves encrypted at rest)."""


def _kinds(kind: str) -> list[str]:
    return KINDS if kind == "all" else [kind]


@keys_group.command("generate")
@click.option("--kind", type=click.Choice([*KINDS, PDF_KIND, "all"]), default="all", show_default=True)
@click.option("--issuer-name", help="Name of the training body (first time only, or to change it).")
@click.option("--issuer-url", help="Its website.")
@click.option("--issuer-email", help="Its contact address.")
@with_appcontext
def keys_generate(kind, issuer_name, issuer_url, issuer_email) -> None:
    """Create the issuer profile if needed and a first key of each kind (refused if one is active), and the PDF
    signing certificate (``--kind pdf`` alone: an install that had its badge keys before PDFs were signed)."""
    try:
        with transaction():
            issuer = keys.ensure_issuer(issuer_name, issuer_url, issuer_email)
            if issuer_name or issuer_url or issuer_email:
                services.issuer_changed()  # the verification pages show the issuer's profile
            created = [keys.generate(issuer, k) for k in _kinds(kind)] if kind != PDF_KIND else []
            certificate = pdf_signing.generate(issuer.name) if kind in (PDF_KIND, "all") else None
    except ServiceError as exc:
        fail(str(exc))
    for key in created:
        click.echo(f"Generated {key.kind} key {key.uuid} for {issuer.name}.")
    if certificate is not None:
        click.echo(
            f"Made the PDF signing certificate of {issuer.name} (self-signed, SHA-256 {certificate.fingerprint})."
        )
    _say_configured_pdf_certificate()


def _say_configured_pdf_certificate() -> None:
    if current_app.config.get("PDF_SIGNING_PKCS12"):
        click.echo("PDFs are signed with the certificate configured in PDF_SIGNING_PKCS12, not the platform's own.")


@keys_group.command("rotate")
@click.option("--kind", type=click.Choice([*KINDS, PDF_KIND, "all"]), required=True)
@with_appcontext
def keys_rotate(kind) -> None:
    """Retire the active key (it stays published: old badges still verify) and make a new one. ``pdf``: the
    PDF signing certificate (the old one is kept, for the PDFs it signed)."""
    issuer = keys.get_issuer()
    if issuer is None:
        fail("No issuer yet: run `tremplin keys generate` first.")
    certificate = None
    try:
        with transaction():
            created, resigned = services.rotate_keys(issuer, _kinds(kind)) if kind != PDF_KIND else ([], 0)
            if kind in (PDF_KIND, "all"):
                certificate = pdf_signing.rotate(issuer.name)
    except ServiceError as exc:
        fail(str(exc))
    if certificate is not None:
        click.echo(
            f"New PDF signing certificate (SHA-256 {certificate.fingerprint}); the previous one is kept, withdrawn."
        )
        _say_configured_pdf_certificate()
    for key in created:
        click.echo(f"Rotated: new {key.kind} key {key.uuid}; the previous one is retired and still published.")
    if any(key.kind == KeyKind.RSA.value for key in created):
        click.echo(f"Signed {resigned} OB 2.0 signed badge(s) again with the new RSA key (the issuer authorises one).")


@keys_group.command("list")
@with_appcontext
def keys_list() -> None:
    """Public information only: kind, id, dates, status."""
    issuer = keys.get_issuer()
    if issuer is None:
        click.echo("No issuer yet.")
        return
    click.echo(f"Issuer: {issuer.name} <{issuer.email}> {issuer.url}")
    for key in issuer.keys:
        status = f"retired {key.retired_at:%Y-%m-%d}" if key.retired_at else "active"
        public = key.public_key if key.kind == KeyKind.ED25519.value else "RSA-2048 (PEM)"
        click.echo(f"  {key.kind:<8} {key.uuid}  created {key.created_at:%Y-%m-%d}  {status:<18} {public}")
    for row in db.session.scalars(db.select(PdfSigningCertificate).order_by(PdfSigningCertificate.id)):
        state = f"withdrawn {row.retired_at:%Y-%m-%d}" if row.retired_at else "in use"
        click.echo(
            f"  {PDF_KIND:<8} {row.uuid}  created {row.created_at:%Y-%m-%d}  {state:<18} X.509 {row.subject}, "
            f"until {row.not_after:%Y-%m-%d}, SHA-256 {row.fingerprint}"
        )


@click.group("badges")
def badges_group() -> None:
    """Open Badges: issue, list, revoke, verify."""


@badges_group.command("revoke")
@click.argument("award_uuid", type=click.UUID)
@click.option("--reason", required=True, help="Public reason, neutral (e.g. 'Issued in error').")
@with_appcontext
def badges_revoke(award_uuid, reason) -> None:
    """Revoke a badge: its status list bit, hosted assertion and verification page say so at once."""
    award = db.session.scalar(db.select(Award).where(Award.uuid == award_uuid))
    if award is None:
        fail(f"No badge {award_uuid}.")
    try:
        with transaction():
            services.revoke(award, reason)
    except ServiceError as exc:
        fail(str(exc))
    click.echo(f"Revoked {award_uuid}: {reason}")


@badges_group.command("offer")
@click.argument("award_uuid", type=click.UUID)
@click.option("--tx-code", is_flag=True, help="Also ask for a 6-digit code, sent to the holder by e-mail.")
@with_appcontext
def badges_offer(award_uuid, tx_code) -> None:
    """Print an OpenID4VCI offer of a badge to its holder's wallet (single use, 10 minutes)."""
    award = db.session.scalar(db.select(Award).where(Award.uuid == award_uuid))
    if award is None:
        fail(f"No badge {award_uuid}.")
    try:
        with transaction():
            offer, uri = wallet.create_offer(award, None, with_tx_code=tx_code)
    except ServiceError as exc:
        fail(str(exc))
    click.echo(uri)
    click.echo(
        f"Valid until {offer.expires_at:%Y-%m-%d %H:%M} UTC, once."
        + (" The code was e-mailed to the holder." if tx_code else ""),
        err=True,
    )


@badges_group.command("endorse")
@click.argument("achievement")
@click.option("--partner", required=True, help="The partner organisation's name (e.g. a host employer).")
@click.option("--url", required=True, help="Its web address (https://…).")
@click.option("--comment", required=True, help="What the partner says of this badge (500 characters at most).")
@with_appcontext
def badges_endorse(achievement, partner, url, comment) -> None:
    """Record a partner's endorsement of a badge: ACHIEVEMENT is its key (e.g. hetis-initial/programme) or its
    UUID. Badges issued from now on carry it, as an OB 3.0 EndorsementCredential naming the partner (unsigned:
    the partner holds no key here)."""
    found = services.achievement_by_key(achievement)
    if found is None:
        try:
            found = db.session.scalar(db.select(Achievement).where(Achievement.uuid == uuid.UUID(achievement)))
        except ValueError:
            found = None
    if found is None:
        fail(f"No badge {achievement!r}: give its key (e.g. hetis-initial/programme) or its UUID.")
    try:
        with transaction():
            endorsement = services.endorse(found, partner, url, comment)
    except ServiceError as exc:
        fail(str(exc))
    click.echo(f"Recorded {endorsement.partner_name}'s endorsement of {found.key} ({endorsement.uuid}).")


EXIT_CODES = {"valid": 0, "invalid": 1, "indeterminate": 3}
HEADLINES = {
    "valid": "VALID",
    "invalid": "NOT VALID",
    "indeterminate": "COULD NOT BE CHECKED (this is not a refusal)",
    "not-this-recipient": "NOT VALID FOR THIS ADDRESS (a genuine badge, issued to someone else)",
}


@badges_group.command("verify")
@click.argument("target")
@click.option("--email", help="Also check that the badge was issued to this address.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@with_appcontext
def badges_verify(target, email, fmt) -> None:
    """Verify a badge file (PNG, SVG, JSON, JWT, JWS) or URL, with every check spelled out.

    Exit status: 0 valid, 1 not valid, 3 could not be checked (e.g. the issuer's site did not answer)."""
    path = Path(target)
    if target.startswith(("http://", "https://")):
        data: bytes | str = target
    elif path.is_file():
        data = path.read_bytes()
    else:
        fail(f"{target}: no such file (give a path or an http(s) URL).")
    verdict = verify_input(data, email)
    if fmt == "json":
        document = verdict.to_json(lambda message: message)
        summary = verdict.summary or {}
        document["issued_by_this_platform"] = bool(summary.get("issuer_id") in own_issuer_ids())
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        click.echo(f"{HEADLINES[verdict.headline]} ({verdict.format})")
        for check in verdict.checks:
            message = check.message % check.params if check.params else check.message
            click.echo(f"  [{check.outcome:>13}] {check.code}: {message}")
    sys.exit(EXIT_CODES[verdict.outcome])


def init_app(app) -> None:
    app.cli.add_command(keys_group)
    app.cli.add_command(badges_group)
