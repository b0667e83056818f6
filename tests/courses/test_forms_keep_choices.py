"""Every form of the app, as each role of the demo meets it: when it is refused, it comes back with every choice
the person made (radio buttons, lists, boxes, text), never with the defaults.

The forms are not listed by hand: each role's pages are crawled, every ``<form method="post">`` found is filled
with choices other than its defaults, made invalid with one value the server must refuse (a text longer than
its ``maxlength``, a date that is not one, a number out of its range), and sent. The page that answers (or the
one a redirection leads to) must show the same form with the same choices and say what is wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest

from core.demo import DEMO_PASSWORD
from tests.courses.test_demo_crawl import HREF, SKIP, UUID

ROLES = [
    "coordination@example.org",
    "formatrice.paire@example.org",
    "referent.a@example.org",
    "dario.exemple@example.org",
]
NOT_FORMS = re.compile(r"^/(logout|language)$")  # no choice to keep: one button each


def pages_of(client, limit: int = 300) -> list[str]:
    """Every kind of page a person can reach from their home (one page of each kind: URLs alike but for UUIDs)."""
    seen: set[str] = set()
    found: list[str] = []
    queue = ["/"]
    while queue and len(found) < limit:
        url = queue.pop(0)
        kind = UUID.sub("*", url)
        if kind in seen or SKIP.match(url) or url.endswith((".pdf", ".zip", ".csv", ".xlsx", ".png", ".json")):
            continue
        seen.add(kind)
        response = client.get(url)
        if response.status_code == 200 and response.mimetype == "text/html":
            found.append(url)
            queue.extend(link.replace("&amp;", "&") for link in HREF.findall(response.get_data(as_text=True)))
    return found


@dataclass
class Form:
    action: str
    fields: list[dict] = field(default_factory=list)

    def names(self) -> frozenset[str]:
        return frozenset(f["name"] for f in self.fields)

    def radios(self) -> dict[str, list[dict]]:
        groups: dict[str, list[dict]] = {}
        for f in self.fields:
            if f["tag"] == "input" and f.get("type") == "radio":
                groups.setdefault(f["name"], []).append(f)
        return groups


class Forms(HTMLParser):
    """The POST forms of a page and their fields (the standard library's parser: no dependency)."""

    def __init__(self, url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.url = url  # a form without an action posts to its page
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: dict | None = None
        self._textarea: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            self._form = Form(a.get("action") or self.url)
            self.forms.append(self._form)
        elif self._form is None or (not a.get("name") and tag != "option"):
            return
        elif tag == "input":
            self._form.fields.append({"tag": "input", **a})
        elif tag == "select":
            self._select = {"tag": "select", **a, "options": []}
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._select["options"].append(a)
        elif tag == "textarea":
            self._textarea = {"tag": "textarea", **a, "value": ""}
            self._form.fields.append(self._textarea)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["value"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms_of(html: str, url: str) -> list[Form]:
    parser = Forms(url)
    parser.feed(html)
    return [f for f in parser.forms if f.action and not NOT_FORMS.match(f.action)]


def option_value(option: dict) -> str:
    return option.get("value", "")


def fill(form: Form) -> tuple[dict[str, list[str]], dict[str, str], str | None]:
    """``(data to send, choices to find again, name of the field made invalid)``; no invalid field: ``None``."""
    data: dict[str, list[str]] = {}
    chosen: dict[str, str] = {}
    invalid = None
    for name, group in form.radios().items():
        pick = next((r for r in reversed(group) if "checked" not in r), group[-1])
        data[name] = [pick.get("value", "on")]
        chosen[f"radio:{name}"] = pick.get("value", "on")
    for f in form.fields:
        name, kind = f["name"], f.get("type", "text")
        if f["tag"] == "select":
            options = [o for o in f["options"] if option_value(o)]
            if not options:
                continue
            pick = next((o for o in reversed(options) if "selected" not in o), options[-1])
            data.setdefault(name, []).append(option_value(pick))
            chosen[f"select:{name}"] = option_value(pick)
        elif f["tag"] == "textarea":
            data[name] = ["Un commentaire gardé"]
            chosen[f"text:{name}"] = "Un commentaire gardé"
        elif kind == "radio" or kind in ("submit", "button", "file", "password"):
            continue
        elif kind == "checkbox":
            if "checked" not in f:  # tick what was not ticked; leave what was ticked out
                data.setdefault(name, []).append(f.get("value", "y"))
                chosen[f"checkbox:{name}={f.get('value', 'y')}"] = "on"
        elif kind == "hidden":
            data.setdefault(name, []).append(f.get("value", ""))
        elif invalid is None and f.get("maxlength", "").isdigit():
            data[name] = ["x" * (int(f["maxlength"]) + 1)]
            invalid = name
        elif invalid is None and kind == "date":
            data[name] = ["pas une date"]
            invalid = name
        elif invalid is None and kind == "number" and f.get("max", "").isdigit():
            data[name] = [str(int(f["max"]) + 1)]
            invalid = name
        elif kind in ("text", "email", "search", "url", "tel"):
            data[name] = [f.get("value") or "Texte gardé"]
            if not f.get("value"):
                chosen[f"text:{name}"] = "Texte gardé"
    return data, chosen, invalid


def still_chosen(form: Form, chosen: dict[str, str]) -> dict[str, tuple[str, str | None]]:
    """The choices the re-rendered form lost: ``{key: (chosen, shown)}``."""
    shown: dict[str, str | None] = {}
    for name, group in form.radios().items():
        shown[f"radio:{name}"] = next((r.get("value", "on") for r in group if "checked" in r), None)
    for f in form.fields:
        if f["tag"] == "select":
            shown[f"select:{f['name']}"] = next((option_value(o) for o in f["options"] if "selected" in o), None)
        elif f["tag"] == "textarea":
            shown[f"text:{f['name']}"] = f["value"].strip()
        elif f.get("type") == "checkbox":
            shown[f"checkbox:{f['name']}={f.get('value', 'y')}"] = "on" if "checked" in f else None
        elif f.get("type", "text") in ("text", "email", "search", "url", "tel"):
            shown.setdefault(f"text:{f['name']}", f.get("value", ""))
    return {key: (value, shown.get(key)) for key, value in chosen.items() if shown.get(key) != value}


@pytest.mark.parametrize("email", ROLES)
def test_a_refused_form_keeps_every_choice(demo, client, email):
    assert client.post("/login", data={"email": email, "password": DEMO_PASSWORD}).status_code == 302
    client.post("/language", data={"lang": "fr", "next": "/"})
    pages = pages_of(client)
    tried: dict[str, str] = {}  # one form of each kind (actions alike but for their UUIDs), from the first page
    lost: dict[str, dict] = {}
    refused: list[str] = []
    for page in pages:
        for form in forms_of(client.get(page).get_data(as_text=True), page):
            kind = UUID.sub("*", form.action) + " " + " ".join(sorted(form.names()))
            if kind in tried:
                continue
            data, chosen, invalid = fill(form)
            if invalid is None:
                continue  # nothing the server must refuse: not a form this test can check
            tried[kind] = page
            response = client.post(form.action, data=data)
            shown = form.action
            if response.status_code in (301, 302, 303):
                shown = response.headers["Location"]
                response = client.get(shown)
                if "alert--error" not in response.get_data(as_text=True):
                    continue  # accepted: the value was not one this form refuses (e.g. minutes for "present")
            refused.append(kind)
            again = [f for f in forms_of(response.get_data(as_text=True), shown) if f.names() == form.names()]
            if not again:
                lost[kind] = {"page": page, "status": response.status_code, "missing": "the form is not shown again"}
                continue
            differences = still_chosen(again[0], chosen)
            if differences:
                lost[kind] = {"page": page, "status": response.status_code, "lost": differences, "bad": invalid}
    assert refused, f"no form was refused: {sorted(tried)}"
    assert not lost, lost
