"""Demo issuer: "Institut de formation Démo" (domain.md §5) with one Ed25519 and one RSA key."""

from __future__ import annotations

from badges import keys
from badges.models import KeyKind
from badges.obapi import demo as obapi_demo
from core import demo as core_demo
from core import pdf_signing


def connect() -> None:
    core_demo.demo_loaded.connect(_on_demo_loaded)


def _on_demo_loaded(sender, report) -> None:
    issuer = keys.ensure_issuer("Institut de formation Démo", None, "formation@example.org")
    made = [keys.generate(issuer, kind).kind for kind in KeyKind if keys.active_key(issuer, kind) is None]
    if pdf_signing.generate(issuer.name) is not None:  # the organisation certificate that signs every PDF
        made.append("pdf")
    obapi_demo.ensure_demo_client(report)
    report.lines.append(f"Badge issuer: {issuer.name}" + (f" (new keys: {', '.join(made)})." if made else "."))
