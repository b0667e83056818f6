"""Display helpers of the badges engine (templates)."""

from __future__ import annotations

from markupsafe import Markup, escape


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
    return Markup("".join(out))  # noqa: S704 - every piece of text is escaped above
