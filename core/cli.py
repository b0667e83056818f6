"""The ``tremplin`` command: Flask's own (run, routes, shell), Flask-Migrate's ``db``, and ours."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from flask_migrate import upgrade

from core import audit, backup, create_app, demo, jobs, services
from core.db import db
from core.i18n import compile_catalogues
from core.models import User, UserRole
from core.spreadsheet import CsvDictWriter


@contextlib.contextmanager
def transaction() -> Iterator[None]:
    """One commit per command, like one per request; the audit log names the actor ``cli``."""
    audit.set_actor_label("cli")
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def fail(message: str) -> None:
    raise click.ClickException(message)


def _create_app(*_args, **_kwargs):
    return create_app()


main = FlaskGroup(create_app=_create_app, help="Tremplin: training and Open Badges for peer workers.")


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Create or upgrade the database to the latest schema and compile the translations (idempotent)."""
    compiled = compile_catalogues()
    upgrade()
    click.echo(f"Database ready ({db.engine.url.render_as_string(hide_password=True)}).")
    if compiled:
        click.echo(f"Compiled translations: {', '.join(compiled)}.")


@click.group("users")
def users_group() -> None:
    """Manage accounts."""


def _read_password(from_stdin: bool) -> str | None:
    if not from_stdin:
        return None
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        fail("No password on standard input.")
    return password


@users_group.command("create")
@click.argument("email")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice(["admin", "trainer", "tutor", "trainee", "funder"]),
    help="Repeat for several roles.",
)
@click.option("--name", "legal_name", help="Legal name (defaults to the part of the address before @).")
@click.option("--display-name", help="Chosen name shown in the interface.")
@click.option("--language", type=click.Choice(["fr", "en", "nl"]), default="fr", show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@click.option("--invite", is_flag=True, help="Queue an invitation e-mail with a link to choose a password.")
@with_appcontext
def users_create(email, roles, legal_name, display_name, language, password_stdin, invite) -> None:
    """Create an account."""
    password = _read_password(password_stdin)
    try:
        with transaction():
            user = services.create_user(
                email,
                legal_name or email.split("@", 1)[0],
                roles,
                display_name=display_name,
                language=language,
                password=password,
            )
            link = services.invite(user) if invite and password is None else None
    except services.ServiceError as exc:
        fail(str(exc))
    click.echo(f"Created {user.email} ({', '.join(sorted(user.roles))}).")
    if link:
        click.echo("Invitation queued in the outbox (coordinators can read it under Admin → Outbox).")


@users_group.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, required=True, help="Read the password from standard input.")
@with_appcontext
def users_set_password(email, password_stdin) -> None:
    """Set an account's password (ends its other sessions)."""
    password = _read_password(password_stdin)
    try:
        with transaction():
            user = services.get_by_email(email)
            if user is None:
                fail(f"No account with the address {email}.")
            services.set_password(user, password)
    except services.ServiceError as exc:
        fail(str(exc))
    click.echo(f"Password set for {user.email}.")


@users_group.command("list")
@click.option("--role", type=click.Choice(["admin", "trainer", "tutor", "trainee", "funder"]))
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@with_appcontext
def users_list(role, fmt) -> None:
    """List accounts."""
    query = db.select(User).order_by(User.email)
    if role:
        query = query.where(User.role_rows.any(UserRole.role == role))
    rows = [
        {
            "email": u.email,
            "legal_name": u.legal_name,
            "display_name": u.display_name or "",
            "roles": " ".join(sorted(u.roles)),
            "language": u.language,
            "status": "inactive" if not u.active else ("invited" if u.invitation_pending else "active"),
        }
        for u in db.session.scalars(query)
    ]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        writer = CsvDictWriter(sys.stdout, fieldnames=list(rows[0]) if rows else ["email"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    else:
        for row in rows:
            click.echo(f"{row['email']:<40} {row['roles']:<22} {row['status']:<9} {row['legal_name']}")
        click.echo(f"{len(rows)} account(s).")


@click.command("demo")
@click.option("--force", is_flag=True, help="Allow the demo in production mode (never on real data!).")
@with_appcontext
def demo_command(force) -> None:
    """Load the fictional demo data (idempotent) and print the demo logins."""
    if current_app.config["ENV"] == "production" and not force:
        fail("Refusing to load fictional demo data in production mode (use --force on a throw-away database).")
    with transaction():
        report = demo.load()
    click.echo(report.render())


@click.command("worker")
@click.option("--once", is_flag=True, help="Run every job that is due now, then stop (what `jobs run` does).")
@click.option(
    "--grace",
    type=click.FloatRange(min=0),
    default=30,
    show_default=True,
    help="On SIGTERM or Ctrl+C, seconds left to the job in hand to finish before it is handed back.",
)
@click.option("--name", help="This worker's name in the jobs' records (default: host:pid:thread).")
@with_appcontext
def worker_command(once, grace, name) -> None:
    """Run background jobs (exports, certificates, mail…) until stopped; start one or more on any host."""
    if once:
        click.echo(f"{jobs.run_pending(name)} job(s) run.")
        return
    worker = jobs.Worker(current_app._get_current_object(), name=name, grace=grace)
    worker.install_signal_handlers()
    click.echo(f"Worker {worker.name} waiting for jobs (stop: Ctrl+C or SIGTERM).")
    worker.run()
    click.echo(f"Worker {worker.name} stopped.")


@click.group("jobs")
def jobs_group() -> None:
    """Background jobs (long exports, certificates, mail)."""


@jobs_group.command("run")
@with_appcontext
def jobs_run() -> None:
    """Run every job that is due now, in this process, then stop (the same as `tremplin worker --once`)."""
    click.echo(f"{jobs.run_pending()} job(s) run.")


@jobs_group.command("purge")
@click.option("--days", type=int, default=7, show_default=True, help="Delete finished jobs older than this.")
@with_appcontext
def jobs_purge(days) -> None:
    """Delete old finished jobs and their result files."""
    with transaction():
        count = jobs.purge(days)
    click.echo(f"{count} job(s) deleted.")


def init_app(app) -> None:
    backup.init_app(app)
    app.cli.add_command(init_command)
    app.cli.add_command(jobs_group)
    app.cli.add_command(worker_command)
    app.cli.add_command(users_group)
    app.cli.add_command(demo_command)
