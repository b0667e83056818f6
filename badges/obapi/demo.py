"""Demo: a registered application ("Sac à badges de démonstration", a public client on the loopback) to which
Adèle gave access to her badges and her profile: her "Applications connectées" page lists it, and a developer
can run the whole flow against the demo (README, "Open Badges 3.0 API")."""

from __future__ import annotations

import sqlalchemy as sa

from badges.obapi import server
from badges.obapi.models import OAuthClient, OAuthGrant
from core.db import db
from core.models import User

DEMO_CLIENT_ID = "demo-sac-a-badges"
DEMO_REDIRECT_URI = "http://127.0.0.1:8765/callback"
DEMO_HOLDER = "adele.exemple@example.org"


def ensure_demo_client(report) -> None:
    client = server.query_client(DEMO_CLIENT_ID)
    if client is None:
        client = OAuthClient(
            client_id=DEMO_CLIENT_ID,
            client_secret_hash=None,
            client_metadata={
                "client_name": "Sac à badges de démonstration",
                "redirect_uris": [DEMO_REDIRECT_URI],
                "scope": " ".join(server.SCOPES_SUPPORTED),
                "grant_types": ["authorization_code", "refresh_token"],
                "response_types": ["code"],
                "token_endpoint_auth_method": "none",
            },
        )
        db.session.add(client)
        db.session.flush()
    holder = db.session.scalar(sa.select(User).where(User.email == DEMO_HOLDER))
    if (
        holder is not None
        and db.session.scalar(
            sa.select(OAuthGrant.id).where(OAuthGrant.client_id == client.id, OAuthGrant.user_id == holder.id)
        )
        is None
    ):
        server.approve(holder, client, " ".join(server.SCOPES_SUPPORTED))
    report.lines.append(
        f"Open Badges 3.0 API: demo client {DEMO_CLIENT_ID} (public, PKCE, redirect {DEMO_REDIRECT_URI})."
    )
