"""The Open Badges 3.0 API and privacy: the applications a person let in are in her data download; erasing her
data deletes every grant she gave (with its codes and tokens), so that no application reads anything any more."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from badges.obapi.models import OAuthGrant
from core.db import db
from core.models import User
from core.privacy import Provider, register_provider
from core.privacy.services import Erasure, ExportBundle, iso


def _grants(user: User) -> list[OAuthGrant]:
    return list(db.session.scalars(sa.select(OAuthGrant).where(OAuthGrant.user_id == user.id).order_by(OAuthGrant.id)))


def _objects(user: User) -> Iterable[tuple[str, str]]:
    return [("obapi_grant", str(grant.uuid)) for grant in _grants(user)]


def _export(user: User, bundle: ExportBundle) -> None:
    rows = [
        {
            "application": grant.client.name,
            "scopes": grant.scopes,
            "given_at": iso(grant.created_at),
            "withdrawn_at": iso(grant.withdrawn_at),
        }
        for grant in _grants(user)
    ]
    bundle.add_section(
        "connected_applications",
        rows,
        "Les applications à qui vous avez permis de lire vos badges ou votre profil : leur nom, ce qu'elles "
        "peuvent lire, la date de votre accord et celle où vous l'avez retiré.",
    )


def _erase(erasure: Erasure) -> None:
    grants = _grants(erasure.user)
    for grant in grants:
        db.session.delete(grant)  # its codes and tokens go with it (ON DELETE CASCADE)
    db.session.flush()
    erasure.count("connected_applications_deleted", len(grants))


def init_app() -> None:
    register_provider(Provider(name="obapi", order=25, objects=_objects, export=_export, erase=_erase))
