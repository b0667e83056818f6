"""Outgoing mail, as jobs. Every message goes to the outbox table first, in the transaction of the request or
command that causes it; when ``SMTP_HOST`` is set, a ``mail.send`` job is enqueued in that same transaction, and
a worker sends the message through SMTP — retried with backoff (``core.jobs``) when the server is away or answers
"try later" (4xx). Without a mail server, messages stay in the outbox, where coordinators read them in the UI and
pass links on by hand.

Never twice for the same message: the job claims the outbox row (``queued`` → ``sending``, committed) before it
talks to the server, and marks it ``sent`` (committed) as soon as the server has accepted it. A failure that
proves the message did not leave (no connection, a 4xx or 5xx answer) puts it back to ``queued`` for the next try
(or ``failed`` after the last one, or at once for a 5xx refusal of the address or message). The one window left:
a worker that dies between the server's acceptance and the ``sent`` mark (or while talking to it) leaves the
message ``sending``; it is then never sent again by itself, and the outbox says it may have left.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l

from core import jobs
from core.db import db, utcnow
from core.models import OutboxMessage, OutboxState

log = logging.getLogger(__name__)

SEND_KIND = "mail.send"


def queue(recipient: str, subject: str, body: str, purpose: str) -> OutboxMessage:
    """Put a message in the outbox (flushed) and, when a mail server is configured, the job that sends it."""
    message = OutboxMessage(recipient=recipient, subject=subject, body=body, purpose=purpose)
    db.session.add(message)
    db.session.flush()
    if has_app_context() and current_app.config["SMTP_HOST"]:
        jobs.enqueue(SEND_KIND, {"message": message.id}, None)
    return message


class NotSent(RuntimeError):
    """The mail server did not take the message this time (the job is tried again later)."""


def compose(message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_FROM"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email.set_content(message.body)
    return email


def _send(email: EmailMessage) -> None:
    config = current_app.config
    with smtplib.SMTP(config["SMTP_HOST"], int(config["SMTP_PORT"]), timeout=10) as smtp:
        if config["SMTP_STARTTLS"]:
            smtp.starttls()
        if config["SMTP_USERNAME"]:
            smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"] or "")
        smtp.send_message(email)


def refused_for_good(exc: Exception) -> bool:
    """A 5xx answer about this message or its address: trying again would get the same answer."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return bool(exc.recipients) and all(code >= 500 for code, _text in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPSenderRefused | smtplib.SMTPDataError):
        return exc.smtp_code >= 500
    return False


def _set_state(message_id: int, **values) -> None:
    table = OutboxMessage.__table__
    with db.engine.begin() as connection:
        connection.execute(sa.update(table).where(table.c.id == message_id).values(**values))


def _claim(message_id: int) -> bool:
    """``queued`` (or ``failed``, when a coordinator retries its job) → ``sending``, committed at once."""
    table = OutboxMessage.__table__
    statement = (
        sa.update(table)
        .where(table.c.id == message_id, table.c.state.in_([OutboxState.QUEUED.value, OutboxState.FAILED.value]))
        .values(state=OutboxState.SENDING.value, attempts=table.c.attempts + 1)
    )
    with db.engine.begin() as connection:
        return connection.execute(statement).rowcount == 1


def run_send(context: jobs.JobContext) -> None:
    """The ``mail.send`` job: send one outbox message, at most once."""
    message_id = int(context.params["message"])
    if not current_app.config["SMTP_HOST"]:
        return  # no mail server (any more): the message stays in the outbox, to pass on by hand
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        return  # erased (privacy) before it could be sent
    email = compose(message)  # before the claim: nothing but the server's answer may stop it half-way
    if not _claim(message_id):
        db.session.refresh(message)
        if message.state == OutboxState.SENDING.value:
            raise jobs.JobFailed("interrupted while it was being sent: it may have left, it is not sent again")
        return  # sent already
    try:
        _send(email)
    except (OSError, smtplib.SMTPException) as exc:
        # The class and the server's answer only: a body may hold a single-use link.
        error = f"{type(exc).__name__}: {exc}"[:500]
        log.warning("outbox message %s not sent (try %s): %s", message.uuid, context.attempt, type(exc).__name__)
        permanent = refused_for_good(exc)
        state = OutboxState.FAILED if permanent or context.last_attempt else OutboxState.QUEUED
        _set_state(message_id, state=state.value, error=error)
        if permanent:
            raise jobs.JobFailed(error) from exc
        raise NotSent(error) from exc
    _set_state(message_id, state=OutboxState.SENT.value, sent_at=utcnow(), error=None)


jobs.register_job_kind(SEND_KIND, run_send, _l("Sending an e-mail"))
