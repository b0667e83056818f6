"""``tremplin privacy``: handle a request received by mail (download, erasure) and apply the retention rules."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from core import audit
from core import services as accounts
from core.cli import fail, transaction
from core.db import db, utcnow
from core.privacy import retention_rules, services


@click.group("privacy")
def privacy_group() -> None:
    """Personal data: a person's download, erasure on request, retention of evidence files."""


def _person(email: str):
    user = accounts.get_by_email(email)
    if user is None:
        fail(f"No account with the address {email}.")
    return user


@privacy_group.command("export")
@click.argument("email")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True), help="The ZIP to write.")
@with_appcontext
def export_command(email: str, out: str) -> None:
    """Write everything the platform holds about EMAIL to a ZIP (README.txt, data.json, their files)."""
    with transaction():
        user = _person(email)
        bundle = services.export_data(user)
        target = Path(out)
        tmp = target.with_name(target.name + ".part")
        missing = services.write_zip(bundle, tmp)
        tmp.replace(target)
    click.echo(f"Wrote {target} ({target.stat().st_size} bytes, {len(bundle.files)} file(s)).")
    if missing:
        click.echo(f"{len(missing)} file(s) no longer in storage (listed in README.txt).")
    click.echo("It holds personal data: send it to the person only, then delete your copy.")


@privacy_group.command("erase")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def erase_command(email: str, yes: bool) -> None:
    """Erase EMAIL's personal data (pseudonymise the account, revoke named credentials, scrub the audit log).

    Cannot be undone. Running it again for an address already erased does nothing."""
    user = _person(email)
    if not yes:
        click.confirm(f"Erase the personal data of {user.email}? This cannot be undone", abort=True)
    try:
        with transaction():
            record, done = services.erase(user)
            pseudonym, at, summary = record.pseudonym, record.at, dict(record.summary)
    except services.ServiceError as exc:
        fail(str(exc))
    if not done:
        click.echo(f"Already erased on {at:%Y-%m-%d} (pseudonym {pseudonym}); nothing changed.")
        return
    _compact_sqlite()
    click.echo(f"Erased. The account now carries the pseudonym {pseudonym}.")
    for key, count in summary.items():
        click.echo(f"  {key}: {count}")


def _compact_sqlite() -> None:
    """On SQLite, deleted rows linger in free pages and the WAL until they are reused: rewrite the file."""
    if db.engine.dialect.name != "sqlite":
        return
    db.session.remove()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.exec_driver_sql("VACUUM")
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


@privacy_group.command("purge")
@click.option("--apply", "apply", is_flag=True, help="Delete for real (without it, only list what would go).")
@with_appcontext
def purge_command(apply: bool) -> None:
    """Apply the retention rules (evidence files: TREMPLIN_EVIDENCE_RETENTION_DAYS after their cohort ended).

    A dry run by default: it lists what would be deleted. Run it with --apply (e.g. from cron, monthly)."""
    now = utcnow()
    with transaction():
        reports = [rule(now, apply) for rule in retention_rules().values()]
        if apply:
            for report in reports:
                if report.count:
                    audit.record("privacy.purged", "retention", report.name, count=report.count, bytes=report.bytes)
    for report in reports:
        verb = "Deleted" if apply else "Would delete"
        click.echo(f"{verb} {report.count} {report.name} ({report.bytes} bytes).")
        for line in report.items:
            click.echo(f"  {line}")
    if not apply:
        click.echo("Dry run: nothing was deleted. Run again with --apply to delete.")


def init_app(app) -> None:
    app.cli.add_command(privacy_group)
