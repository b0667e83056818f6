"""Outgoing mail. Every message goes to the outbox table first, in the request's transaction; once that
transaction has committed, messages are sent through SMTP when ``SMTP_HOST`` is set. Without a mail
server, coordinators read the outbox in the UI and pass links on by hand."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app, g, has_app_context

from core.db import db, utcnow
from core.models import OutboxMessage

log = logging.getLogger(__name__)


def queue(recipient: str, subject: str, body: str, purpose: str) -> OutboxMessage:
    message = OutboxMessage(recipient=recipient, subject=subject, body=body, purpose=purpose)
    db.session.add(message)
    db.session.flush()
    if has_app_context():
        g.setdefault("queued_mail", []).append(message.id)
    return message


def _send(message: OutboxMessage) -> None:
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["MAIL_FROM"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email.set_content(message.body)
    with smtplib.SMTP(config["SMTP_HOST"], int(config["SMTP_PORT"]), timeout=10) as smtp:
        if config["SMTP_STARTTLS"]:
            smtp.starttls()
        if config["SMTP_USERNAME"]:
            smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"] or "")
        smtp.send_message(email)


def deliver_queued() -> None:
    """Send what this request or command queued. Called after its transaction has committed."""
    ids = g.pop("queued_mail", None) if has_app_context() else None
    if not ids or not current_app.config["SMTP_HOST"]:
        return
    for message in db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.id.in_(ids))):
        try:
            _send(message)
        except (OSError, smtplib.SMTPException) as exc:
            # The subject and address only: a body may hold a single-use link.
            log.warning("mail to outbox message %s not sent: %s", message.uuid, type(exc).__name__)
            message.error = f"{type(exc).__name__}: {exc}"[:500]
        else:
            message.sent_at = utcnow()
            message.error = None
    db.session.commit()
