"""The repository carries everything its code, scripts and tests need: nothing reads a folder beside the clone.

A ``git clone`` into an empty folder must install, test and run (``.ci/run`` does exactly that). Notes and reference
material that sometimes sit beside a checkout may be mentioned in the README and docs, never used as a path.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Written in pieces (and its examples in words) so that this file does not match itself.
_SHARED = "sha" + "red"
FORBIDDEN = re.compile(
    "|".join(
        (
            re.escape(f"../{_SHARED}"),  # the folder beside the clone, in a script or a Python string
            re.escape(f"/work/{_SHARED}"),
            re.escape(f"{_SHARED}/verify"),
            rf"""/\s*["']{_SHARED}["']""",  # a pathlib join: ROOT.parent, then the folder's name
            rf"""["']{_SHARED}["']\s*/""",  # the folder's name, then a pathlib join
        )
    )
)
SKIPPED_TOP = {"docs", ".git", ".venv", ".cache", "node_modules"}


def tracked_files(root: Path) -> list[str]:
    """The files git tracks; outside a git checkout (an unpacked archive), every file but the usual caches."""
    try:
        command = ["git", "ls-files", "-z"]  # git from PATH, fixed arguments
        listed = subprocess.run(command, cwd=root, capture_output=True, check=True).stdout  # noqa: S603
    except (OSError, subprocess.CalledProcessError):
        return [
            str(path.relative_to(root))
            for path in root.rglob("*")
            if path.is_file() and not SKIPPED_TOP & set(path.relative_to(root).parts)
        ]
    return [name for name in listed.decode().split("\0") if name]


def references_outside(root: Path) -> list[str]:
    found = []
    for name in tracked_files(root):
        if name == "README.md" or name.startswith("docs/") or name.endswith("/README.md"):
            continue
        path = root / name
        if not path.is_file() or path.is_symlink():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue  # binary: images, fonts
        for number, line in enumerate(text.splitlines(), 1):
            if FORBIDDEN.search(line):
                found.append(f"{name}:{number}: {line.strip()[:160]}")
    return found


def test_no_tracked_file_reads_a_folder_beside_the_clone():
    found = references_outside(ROOT)
    assert found == [], "these lines use a path outside the repository:\n" + "\n".join(found)


def test_the_check_finds_such_a_path(tmp_path):
    (tmp_path / "ok.py").write_text('SCHEMAS = ROOT / "badges" / "schemas"\n', encoding="utf-8")
    (tmp_path / "README.md").write_text(f"Notes may sit in ../{_SHARED}/ beside the clone.\n", encoding="utf-8")
    (tmp_path / "setup.sh").write_text(f'cp -R "$ROOT/../{_SHARED}/x" .cache/\n', encoding="utf-8")
    (tmp_path / "spec.py").write_text(f'FILE = ROOT.parent / "{_SHARED}" / "programmes.yaml"\n', encoding="utf-8")
    (tmp_path / "schema.py").write_text(f'DIR = "/work/{_SHARED}/schemas/ob3"\n', encoding="utf-8")
    assert sorted(line.split(":")[0] for line in references_outside(tmp_path)) == ["schema.py", "setup.sh", "spec.py"]
