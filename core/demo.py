"""Fictional demo people from domain.md §5. Idempotent: running it twice changes nothing.

Packages above core add their demo data (programme, cohort, badges) by connecting to ``demo_loaded``.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from blinker import Namespace

from core import services
from core.models import Role, User

signals = Namespace()
#: Sent after the people exist, with ``report=`` (a ``DemoReport``) to add lines to.
demo_loaded = signals.signal("demo-loaded")

DEMO_PASSWORD = "demo-tremplin"
DOMAIN = "example.org"

TRAINEES = [
    "Amina Exemple", "Bruno Fictif", "Chloé Démo", "Dario Exemple", "Élise Fictive", "Farid Démo",
    "Gaëlle Exemple", "Hugo Fictif", "Inès Démo", "Jonas Exemple", "Karima Fictive", "Léo Démo",
    "Maëlle Exemple", "Nordine Fictif", "Olga Démo", "Pablo Exemple", "Rania Fictive", "Samuel Démo",
    "Tess Exemple", "Yusuf Fictif",
]  # fmt: skip
#: The earlier promotion (2025-26), all finished: the alumni who hold programme badges.
ALUMNI = [
    "Adèle Exemple", "Baptiste Fictif", "Céline Démo", "Damien Exemple", "Émilie Fictive", "Fatou Démo",
    "Grégoire Exemple", "Hélène Fictive", "Idriss Démo", "Joëlle Exemple", "Kévin Fictif", "Lucie Démo",
    "Mehdi Exemple", "Noémie Fictive", "Océane Démo", "Patrice Exemple", "Quentin Fictif", "Rose Démo",
    "Sofiane Exemple", "Thérèse Fictive",
]  # fmt: skip

STAFF: list[tuple[str, str, list[Role]]] = [
    ("coordination", "Coordinatrice Démo", [Role.ADMIN]),
    ("formatrice.paire", "Formatrice paire Démo", [Role.TRAINER]),
    ("formateur.pair", "Formateur pair Démo", [Role.TRAINER]),
    ("formatrice.ts", "Formatrice TS Démo", [Role.TRAINER]),
    ("intervenant.thematique", "Intervenant thématique Démo", [Role.TRAINER]),
    ("animatrice.intervision", "Animatrice intervision Démo", [Role.TRAINER]),
    ("animateur.intervision", "Animateur intervision Démo", [Role.TRAINER]),
    *[(f"referent.{c.lower()}", f"Référent·e {c} Démo", [Role.TUTOR]) for c in "ABCDEFGHIJ"],
    ("financeur", "Fonds régional Démo", [Role.FUNDER]),
]


def email_for(name: str) -> str:
    """ "Élise Fictive" → "elise.fictive@example.org"."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return ".".join(ascii_name.lower().split()) + "@" + DOMAIN


@dataclass
class DemoReport:
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # (roles, email, name)
    created: int = 0
    lines: list[str] = field(default_factory=list)

    def render(self) -> str:
        out = [
            f"Demo data ready ({self.created} account(s) created now). Every demo account's password: {DEMO_PASSWORD}"
        ]
        width = max((len(e) for _, e, _ in self.logins), default=20)
        for roles, email, name in self.logins:
            out.append(f"  {roles:<10} {email:<{width}}  {name}")
        out.extend(self.lines)
        return "\n".join(out)


def _ensure(report: DemoReport, email: str, name: str, roles: list[Role], password_hash: list[str]) -> User:
    user = services.get_by_email(email)
    if user is None:
        # Every demo account has the same published password: it is hashed once (scrypt costs a quarter of a
        # second a hash, which made most of the demo's load time) and the hash is shared.
        if not password_hash:
            user = services.create_user(email, name, roles, password=DEMO_PASSWORD)
            password_hash.append(user.password_hash)
        else:
            user = services.create_user(email, name, roles)
            user.password_hash = password_hash[0]
        report.created += 1
    report.logins.append((",".join(sorted(user.roles)), user.email, user.legal_name))
    return user


def load() -> DemoReport:
    report = DemoReport()
    password_hash: list[str] = []
    for local, name, roles in STAFF:
        _ensure(report, f"{local}@{DOMAIN}", name, roles, password_hash)
    for name in TRAINEES + ALUMNI:
        _ensure(report, email_for(name), name, [Role.TRAINEE], password_hash)
    demo_loaded.send(report, report=report)
    return report
