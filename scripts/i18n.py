"""Translation upkeep, with Babel's API (no extra tool to learn).

    python scripts/i18n.py update        extract every string into translations/messages.pot and merge into fr
    python scripts/i18n.py missing       list French strings still untranslated or fuzzy (exit 1 if any)
    python scripts/i18n.py fill FILE.py  take translations from a dict FR = {msgid: msgstr, (sing, plural): (s, p)}

English is the source language (msgids); French is the default locale and must be complete.
"""

from __future__ import annotations

import runpy
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
POT = ROOT / "translations" / "messages.pot"
FR = ROOT / "translations" / "fr" / "LC_MESSAGES" / "messages.po"


def _write(catalog, path: Path) -> None:
    catalog.fuzzy = False
    catalog.copyright_holder = "Tremplin contributors"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False, sort_output=True, include_previous=False)


def update() -> None:
    keywords = ["-k", "_l", "-k", "lazy_gettext", "-k", "N_"]
    options = ["-o", str(POT), "--no-location", "--sort-output", "--project", "Tremplin"]
    command = [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", *keywords, *options, "."]
    subprocess.run(command, cwd=ROOT, check=True)  # noqa: S603 - our own interpreter, fixed arguments
    with POT.open("rb") as handle:
        template = read_po(handle)
    if FR.exists():
        with FR.open("rb") as handle:
            catalog = read_po(handle, locale="fr")
    else:
        from babel.messages.catalog import Catalog

        catalog = Catalog(locale="fr", project="Tremplin", copyright_holder="Tremplin contributors")
    catalog.update(template, no_fuzzy_matching=True)
    _write(catalog, FR)


def missing() -> list[str]:
    with FR.open("rb") as handle:
        catalog = read_po(handle, locale="fr")
    gaps = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            gaps.append(message.id if isinstance(message.id, str) else message.id[0])
    return gaps


def fill(path: str) -> None:
    table = runpy.run_path(path)["FR"]
    with FR.open("rb") as handle:
        catalog = read_po(handle, locale="fr")
    for message in catalog:
        if (message.id and message.id in table) or (isinstance(message.id, tuple) and message.id in table):
            message.string = table[message.id]
            message.flags.discard("fuzzy")
    _write(catalog, FR)


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "update":
        update()
    elif command == "missing":
        gaps = missing()
        print("\n".join(gaps) or "French catalogue complete.")
        sys.exit(1 if gaps else 0)
    elif command == "fill" and len(sys.argv) == 3:
        fill(sys.argv[2])
    else:
        print(__doc__)
        sys.exit(2)
