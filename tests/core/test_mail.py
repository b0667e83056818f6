"""Mail as jobs: the outbox row and its ``mail.send`` job are written in the same transaction; a worker sends the
message through a real SMTP conversation on loopback — tried again after a "try later" (4xx), never twice."""

from __future__ import annotations

import socketserver
import threading

import pytest

from core import jobs, mail
from core.db import db
from core.models import Job, OutboxMessage


class SMTPServer(socketserver.ThreadingTCPServer):
    """A tiny SMTP server on loopback: answers MAIL FROM with ``451`` for its first ``refusals`` conversations
    (or ``550`` when ``refuse_for_good``), then takes each message it is given and keeps it in ``received``."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, refusals: int = 0, refuse_for_good: bool = False) -> None:
        super().__init__(("127.0.0.1", 0), SMTPHandler)
        self.refusals = refusals
        self.refuse_for_good = refuse_for_good
        self.refused = 0
        self.received: list[bytes] = []
        self.lock = threading.Lock()

    @property
    def port(self) -> int:
        return self.server_address[1]


class SMTPHandler(socketserver.StreamRequestHandler):
    server: SMTPServer

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        self.reply("220 test ESMTP")
        while line := self.rfile.readline():
            verb = line.decode("ascii", "replace").strip().split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 test")
            elif verb == "MAIL":
                with self.server.lock:
                    if self.server.refuse_for_good:
                        self.reply("550 5.1.0 no such sender here")
                        continue
                    if self.server.refused < self.server.refusals:
                        self.server.refused += 1
                        self.reply("451 4.3.2 busy, try again later")
                        continue
                self.reply("250 ok")
            elif verb == "DATA":
                self.reply("354 go on")
                body = b""
                while (data := self.rfile.readline()) not in (b".\r\n", b""):
                    body += data
                with self.server.lock:
                    self.server.received.append(body)
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:  # RCPT, RSET, NOOP
                self.reply("250 ok")


@pytest.fixture
def smtp_server(app):
    servers = []

    def start(**options) -> SMTPServer:
        server = SMTPServer(**options)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port, SMTP_STARTTLS=False, JOBS_RETRY_SECONDS=0)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _message_and_job():
    message = mail.queue("ana@example.org", "Bonjour", "Votre lien : https://example.org/x", purpose="test")
    db.session.commit()
    job = db.session.scalar(db.select(Job).where(Job.kind == mail.SEND_KIND))
    return message.id, job.id


def _fresh(model, key):
    db.session.expire_all()
    return db.session.get(model, key)


def test_a_message_refused_twice_is_sent_on_the_third_try_once(smtp_server):
    server = smtp_server(refusals=2)
    message_id, job_id = _message_and_job()
    assert server.received == []  # queuing sends nothing: a worker does
    assert jobs.run_pending() == 3  # refused, refused, sent (the backoff is 0 s here)
    assert server.refused == 2 and len(server.received) == 1
    assert b"Subject: Bonjour" in server.received[0]
    message = _fresh(OutboxMessage, message_id)
    assert message.state == "sent" and message.attempts == 3 and message.sent_at and message.error is None
    job = _fresh(Job, job_id)
    assert job.status == "done" and job.attempts == 3
    # Never twice: its job run again (a coordinator's retry, a duplicate) finds it sent and sends nothing.
    job.status, job.attempts = "queued", 0
    db.session.commit()
    assert jobs.run_pending() == 1
    assert len(server.received) == 1


def test_between_tries_the_outbox_says_it_will_try_again(smtp_server, client, login_as):
    smtp_server(refusals=1)
    app_message, job_id = _message_and_job()
    db.session.execute(db.update(Job).where(Job.id == job_id).values(max_attempts=5))
    db.session.commit()
    jobs.run_pending(limit=1)
    message = _fresh(OutboxMessage, app_message)
    assert message.state == "queued" and message.attempts == 1 and "451" in message.error
    login_as("admin")
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert 'data-state="queued"' in page and "Pas encore envoyé : nouvel essai bientôt" in page


def test_a_message_refused_for_good_is_failed_at_once(smtp_server):
    server = smtp_server(refuse_for_good=True)
    message_id, job_id = _message_and_job()
    assert jobs.run_pending() == 1
    assert server.received == []
    message = _fresh(OutboxMessage, message_id)
    assert message.state == "failed" and "550" in message.error and message.attempts == 1
    job = _fresh(Job, job_id)
    assert job.status == "failed" and "550" in job.error


def test_every_try_refused_leaves_the_message_failed_and_its_job_dead(smtp_server, app):
    app.config["JOBS_MAX_ATTEMPTS"] = 2
    server = smtp_server(refusals=99)
    message_id, job_id = _message_and_job()
    assert jobs.run_pending() == 2
    assert server.received == [] and server.refused == 2
    assert _fresh(OutboxMessage, message_id).state == "failed"
    assert _fresh(Job, job_id).status == "dead"
    # Once the server is back, a coordinator's retry sends it (it never left).
    server.refusals = 0
    jobs.retry(_fresh(Job, job_id))
    db.session.commit()
    assert jobs.run_pending() == 1
    assert len(server.received) == 1 and _fresh(OutboxMessage, message_id).state == "sent"


def test_a_message_left_sending_by_a_dead_worker_is_never_sent_again(smtp_server):
    server = smtp_server()
    message_id, job_id = _message_and_job()
    # A worker claimed it, and died before the server's answer was recorded: it may have left.
    db.session.execute(db.update(OutboxMessage).where(OutboxMessage.id == message_id).values(state="sending"))
    db.session.commit()
    assert jobs.run_pending() == 1
    assert server.received == []
    job = _fresh(Job, job_id)
    assert job.status == "failed" and "may have left" in job.error


def test_a_rolled_back_request_leaves_neither_message_nor_job(app):
    app.config["SMTP_HOST"] = "127.0.0.1"
    mail.queue("ana@example.org", "Bonjour", "…", purpose="test")
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(Job)) == 0


def test_without_a_mail_server_messages_stay_in_the_outbox(app, client, login_as):
    message = mail.queue("ana@example.org", "Bonjour", "Votre lien : https://example.org/x", purpose="test")
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count()).select_from(Job)) == 0  # nothing to send it with
    login_as("admin")
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert 'data-state="queued"' in page and "pas de serveur de courrier" in page
    detail = client.get(f"/admin/outbox/{message.uuid}").get_data(as_text=True)
    assert "transmettez-le vous-même" in detail
