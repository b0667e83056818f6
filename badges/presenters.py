"""Display helpers of the badges engine (templates)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from badges.services import REVOCATION_REASONS

#: The public reasons written in the documents (English, like the OB 2.0 vocabulary), shown translated.
REASON_LABELS = {
    REVOCATION_REASONS["issued-in-error"]: _l("Issued in error"),
    REVOCATION_REASONS["withdrawn"]: _l("Withdrawn by the issuer"),
    REVOCATION_REASONS["superseded"]: _l("Superseded by a new issue"),
    REVOCATION_REASONS["holder-request"]: _l("Withdrawn at the holder's request"),
}


def reason_label(reason: str | None) -> str:
    """A revocation reason in the reader's language (a reason typed by a coordinator is shown as typed)."""
    if not reason:
        return ""
    label = REASON_LABELS.get(reason)
    return str(label) if label is not None else reason


def criteria_html(text: str | None) -> Markup:
    """The criteria narrative (plain text with ``- `` bullet lines, as written in the badge) as safe HTML:
    paragraphs and lists only, everything escaped."""
    if not text:
        return Markup("")
    out: list[str] = []
    for block in text.strip().split("\n\n"):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if lines and all(line.startswith("- ") for line in lines):
            items = "".join(f"<li>{escape(line[2:])}</li>" for line in lines)
            out.append(f"<ul>{items}</ul>")
        else:
            out.append(f"<p>{escape(' '.join(lines))}</p>")
    return Markup("".join(out))  # noqa: S704  # nosec B704  # every piece of text is escaped above
