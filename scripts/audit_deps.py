"""Audit the installed Python packages against known vulnerabilities (pip-audit, PyPI's advisory data).

Run by scripts/test after the linters:  .venv/bin/python scripts/audit_deps.py
  exit 0  every package was audited and none has a known vulnerability;
  exit 1  a known vulnerability (listed, with the version that fixes it: raise the pin in constraints.txt);
  exit 2  the audit could not be done (PyPI's vulnerability API unreachable, or packages it could not look up):
          said loudly, and fatal only with TREMPLIN_AUDIT_REQUIRED=1, so that a machine that reaches PyPI only
          through a mirror without that API can still run the suite. ``pip-audit`` needs
          https://pypi.org/pypi/<name>/<version>/json.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def main() -> int:
    command = [str(BIN / "pip-audit"), "--skip-editable", "--progress-spinner", "off", "--format", "json"]
    run = subprocess.run(command, capture_output=True, text=True, check=False, timeout=600)  # noqa: S603
    try:
        report = json.loads(run.stdout)
    except ValueError:
        print(run.stderr.strip()[-3000:], file=sys.stderr)
        return unaudited("pip-audit gave no report (above: its error; often the network)")
    dependencies = report.get("dependencies", [])
    audited = [d for d in dependencies if "skip_reason" not in d]
    skipped = [d for d in dependencies if "skip_reason" in d and d["name"] != "tremplin"]
    vulnerable = [d for d in audited if d.get("vulns")]
    for dependency in vulnerable:
        for vuln in dependency["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            print(f"VULNERABLE {dependency['name']} {dependency['version']}: {vuln['id']} (fixed in: {fixed})")
            print(f"    {(vuln.get('description') or '').strip()[:300]}")
    print(f"pip-audit: {len(audited)} packages audited, {len(vulnerable)} vulnerable, {len(skipped)} not audited.")
    if vulnerable:
        return 1
    if skipped:
        names = ", ".join(f"{d['name']} {d.get('version', '')}".strip() for d in skipped[:8])
        more = f" and {len(skipped) - 8} more" if len(skipped) > 8 else ""
        reason = skipped[0]["skip_reason"]
        return unaudited(f"{len(skipped)} packages could not be looked up ({names}{more}): {reason}")
    return 0


def unaudited(why: str) -> int:
    banner = "!" * 100
    print(f"{banner}\nDEPENDENCY AUDIT NOT DONE: {why}.", file=sys.stderr)
    api = "https://pypi.org/pypi/<name>/<version>/json"
    print(f"PyPI's vulnerability API ({api}) did not answer for them.", file=sys.stderr)
    print(f"Run scripts/audit_deps.py where PyPI is reachable.\n{banner}", file=sys.stderr)
    return 2 if os.environ.get("TREMPLIN_AUDIT_REQUIRED") == "1" else 0


if __name__ == "__main__":
    sys.exit(main())
