"""``tremplin keys``: the issuer's signing keys."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from badges import keys
from badges.models import KeyKind
from core.cli import fail, transaction
from core.services import ServiceError

KINDS = [k.value for k in KeyKind]


@click.group("keys")
def keys_group() -> None:
    """Signing keys of the badge issuer (private halves encrypted at rest)."""


def _kinds(kind: str) -> list[str]:
    return KINDS if kind == "all" else [kind]


@keys_group.command("generate")
@click.option("--kind", type=click.Choice([*KINDS, "all"]), default="all", show_default=True)
@click.option("--issuer-name", help="Name of the training body (first time only, or to change it).")
@click.option("--issuer-url", help="Its website.")
@click.option("--issuer-email", help="Its contact address.")
@with_appcontext
def keys_generate(kind, issuer_name, issuer_url, issuer_email) -> None:
    """Create the issuer profile if needed and a first key of each kind (refused if one is active)."""
    try:
        with transaction():
            issuer = keys.ensure_issuer(issuer_name, issuer_url, issuer_email)
            created = [keys.generate(issuer, k) for k in _kinds(kind)]
    except ServiceError as exc:
        fail(str(exc))
    for key in created:
        click.echo(f"Generated {key.kind} key {key.uuid} for {issuer.name}.")


@keys_group.command("rotate")
@click.option("--kind", type=click.Choice([*KINDS, "all"]), required=True)
@with_appcontext
def keys_rotate(kind) -> None:
    """Retire the active key (it stays published: old badges still verify) and make a new one."""
    issuer = keys.get_issuer()
    if issuer is None:
        fail("No issuer yet: run `tremplin keys generate` first.")
    with transaction():
        created = [keys.rotate(issuer, k) for k in _kinds(kind)]
    for key in created:
        click.echo(f"Rotated: new {key.kind} key {key.uuid}; the previous one is retired and still published.")


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


def init_app(app) -> None:
    app.cli.add_command(keys_group)
