"""Translation upkeep, with Babel's API (no extra tool to learn).

    python scripts/i18n.py update             extract every string into translations/messages.pot and merge it
                                              into every catalogue (fr, nl)
    python scripts/i18n.py missing [LANG]     list the strings still untranslated or fuzzy, and the translations
                                              whose placeholders or HTML differ from the English (exit 1 if any)
    python scripts/i18n.py todo LANG [N]      write the first N (default all) untranslated strings of LANG as a
                                              fill file to complete: translations/todo-LANG.py
    python scripts/i18n.py fill FILE.py [LANG]
                                              take translations from a dict FR = {msgid: msgstr,
                                              (sing, plural): (s, p)} (NL = {...} for Dutch, and so on)

English is the source language (msgids); French is the default locale and the reference; every catalogue
(French, Dutch) must be complete. To translate the strings added since the last Dutch pass: ``update``, then
``todo nl``, fill the file (the French translation is there as a comment), ``fill translations/todo-nl.py nl``,
``missing``, and delete the todo file.
"""

from __future__ import annotations

import re
import runpy
import subprocess
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
POT = ROOT / "translations" / "messages.pot"
#: The catalogues to keep complete (English needs none: the msgids are English).
LANGS = ("fr", "nl")
FR = ROOT / "translations" / "fr" / "LC_MESSAGES" / "messages.po"

#: What a translation must carry over unchanged: %(name)s / %s placeholders, {name} fields and HTML tags.
_MARKERS = re.compile(r"%\([A-Za-z0-9_]+\)[sdif]|%[sdif]|\{[A-Za-z0-9_]*\}|</?[a-zA-Z][^>]*>")


def catalogue_path(lang: str) -> Path:
    return ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po"


def read(lang: str) -> Catalog:
    path = catalogue_path(lang)
    if not path.exists():
        return Catalog(locale=lang, project="Tremplin", copyright_holder="Tremplin contributors")
    with path.open("rb") as handle:
        return read_po(handle, locale=lang)


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
    for lang in LANGS:
        catalog = read(lang)
        catalog.update(template, no_fuzzy_matching=True)
        _write(catalog, catalogue_path(lang))


def markers(text: str) -> list[str]:
    """The placeholders and HTML tags of ``text``, sorted (their order may change in a translation)."""
    return sorted(_MARKERS.findall(text))


def _strings(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def _ids(message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def untranslated(lang: str) -> list:
    """The messages of ``lang``'s catalogue still empty or fuzzy."""
    return [m for m in read(lang) if m.id and (m.fuzzy or not all(_strings(m)))]


def placeholder_problems(lang: str) -> list[str]:
    """The translations of ``lang`` whose placeholders or HTML tags differ from the English msgid's."""
    problems = []
    for message in read(lang):
        if not message.id or message.fuzzy or not all(_strings(message)):
            continue
        ids = _ids(message)
        for index, text in enumerate(_strings(message)):
            source = ids[min(index, len(ids) - 1)]
            # A plural form may drop the number ("one hour"), never add or change a placeholder.
            wanted, found = markers(source), markers(text)
            plural_drop = len(ids) > 1 and set(found) <= set(markers(ids[0])) | set(markers(ids[-1]))
            if found != wanted and not plural_drop:
                problems.append(f"{ids[0]!r}: {found} instead of {wanted}")
    return problems


def missing(lang: str = "fr") -> list[str]:
    return [m.id if isinstance(m.id, str) else m.id[0] for m in untranslated(lang)]


def todo(lang: str, count: int | None = None) -> Path:
    """A fill file with the first ``count`` untranslated strings of ``lang``, the French as a comment."""
    french = {m.id: m.string for m in read("fr") if m.id}
    name = lang.upper()
    lines = [f'"""Translations to {lang} to complete, then: python scripts/i18n.py fill THIS_FILE {lang}"""', ""]
    lines.append(f"{name} = {{")
    for message in untranslated(lang)[:count]:
        reference = french.get(message.id)
        for text in reference if isinstance(reference, tuple) else (reference,):
            if text:
                lines.extend(f"    # fr: {line}" for line in text.splitlines() or [""])
        if isinstance(message.id, tuple):
            lines.append(f"    {message.id!r}: ('', ''),")
        else:
            lines.append(f"    {message.id!r}: '',")
    lines.append("}")
    path = ROOT / "translations" / f"todo-{lang}.py"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def fill(path: str, lang: str = "fr") -> int:
    table = runpy.run_path(path)[lang.upper()]
    catalog = read(lang)
    filled = 0
    for message in catalog:
        wanted = table.get(message.id) if message.id else None
        if wanted and all(wanted if isinstance(wanted, tuple) else (wanted,)):  # a blank one stays to do
            message.string = wanted
            message.flags.discard("fuzzy")
            filled += 1
    _write(catalog, catalogue_path(lang))
    return filled


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "update":
        update()
    elif command == "missing" and len(sys.argv) <= 3:
        failed = False
        for lang in sys.argv[2:] or LANGS:
            gaps, problems = missing(lang), placeholder_problems(lang)
            if gaps:
                print(f"# {lang}: {len(gaps)} untranslated or fuzzy (python scripts/i18n.py todo {lang})")
                print("\n".join(gaps))
            if problems:
                print(f"# {lang}: {len(problems)} with other placeholders or HTML than the English")
                print("\n".join(problems))
            if not gaps and not problems:
                print(f"# {lang}: catalogue complete.")
            failed = failed or bool(gaps or problems)
        sys.exit(1 if failed else 0)
    elif command == "todo" and len(sys.argv) in (3, 4) and sys.argv[2] in LANGS:
        written = todo(sys.argv[2], int(sys.argv[3]) if len(sys.argv) == 4 else None)
        print(written.relative_to(ROOT))
    elif command == "fill" and len(sys.argv) in (3, 4):
        print(f"{fill(sys.argv[2], sys.argv[3] if len(sys.argv) == 4 else 'fr')} translations filled.")
    else:
        print(__doc__)
        sys.exit(2)
