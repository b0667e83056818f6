"""Easy-to-read French (FALC) for trainees: no sentence longer than 15 words.

Logs in as each trainee of the demo, follows every link she can see from her home (her training, her hours and
their forms, her badges, the glossary, the privacy pages…), reads the visible French text of each page, and
renders every message the platform sends to a trainee. Headings, list items, labels, buttons and table cells each
count as a sentence of their own; inside them, a sentence ends with ``.``, ``!`` or ``?``. Any sentence longer
than 15 words fails the test, with the page and the sentence.
"""

from __future__ import annotations

import re
from collections import deque
from datetime import date, timedelta
from html.parser import HTMLParser

from flask_babel import force_locale

from badges.models import Award
from core import services as core_services
from core.db import db
from core.demo import DEMO_PASSWORD
from core.models import OutboxMessage, Role, User
from courses import services as course_services
from courses.models import HoursEntry, HoursState
from courses.self_views import current_enrolment

MAX_WORDS = 15

#: Elements whose text is a sentence of its own (a heading, a list item, a label, a button…).
BLOCKS = {
    "title", "h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "dt", "dd", "label", "button", "legend", "summary",
    "th", "td", "caption", "option", "figcaption", "blockquote", "div", "section", "article", "header", "footer",
    "nav", "main", "form", "fieldset", "details", "table", "tr", "ul", "ol", "dl", "br", "hr", "select", "textarea",
    "small", "progress",
}  # fmt: skip
SKIPPED = {"script", "style", "template", "noscript", "svg"}
# A sentence ends with . ! ? (or …); " · " separates the items of a line (links, places), as a list would.
SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+|\s·\s")
WORD = re.compile(r"\w", re.UNICODE)
#: Abbreviations a reader must decode: short day and month names ("mar. 1 déc."), "p. ex.", "etc.", "cf.".
ABBREVIATION = re.compile(
    r"(?<!\w)(lun|mar|mer|jeu|ven|sam|dim|janv|févr|avr|juil|sept|oct|nov|déc|p\. ex|etc|cf)\.", re.IGNORECASE
)
HREF = re.compile(r'href="(/[^"#]*)"')
#: Internal codes a trainee must never read: cohort codes, competency, badge and evidence codes.
INTERNAL_CODE = re.compile(r"\b(DEMO-\d{4}-\d{2}|C-M\d-\d\d|B-[A-Z]{3,}|E-[A-Z]{3,})\b")
NOT_A_PAGE = re.compile(r"^/(static/|calendar/.+\.ics)|\.(pdf|png|svg|json|jsonld|ics|csv|zip)(\?|$)")


class VisibleText(HTMLParser):
    """The text a reader meets, cut into blocks at block elements; ``<input>`` buttons and placeholders too."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._current: list[str] = []
        self._skip = 0
        self._other_language: list | None = None  # [tag, depth] of an element in another language

    def _cut(self) -> None:
        text = " ".join("".join(self._current).split())
        if text:
            self.blocks.append(text)
        self._current = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if self._other_language:
            if tag == self._other_language[0]:
                self._other_language[1] += 1
            return
        if values.get("lang") and not values["lang"].startswith("fr") and tag != "html":
            self._cut()
            self._other_language = [tag, 1]  # words in another language on purpose ("English" switch, a quote)
            return
        if tag in SKIPPED:
            self._skip += 1
        elif tag in BLOCKS:
            self._cut()
        if tag == "input" and values.get("type") in {"submit", "button"} and values.get("value"):
            self._cut()
            self.blocks.append(values["value"])
        if values.get("placeholder"):
            self._cut()
            self.blocks.append(values["placeholder"])

    def handle_endtag(self, tag):
        if self._other_language:
            if tag == self._other_language[0]:
                self._other_language[1] -= 1
                if not self._other_language[1]:
                    self._other_language = None
            return
        if tag in SKIPPED:
            self._skip = max(0, self._skip - 1)
        elif tag in BLOCKS:
            self._cut()

    def handle_data(self, data):
        if not self._skip and not self._other_language:
            self._current.append(data)

    def close(self):
        super().close()
        self._cut()


def sentences(blocks: list[str]) -> list[str]:
    out = []
    for block in blocks:
        out += [s.strip() for s in SENTENCE_END.split(block) if s.strip()]
    return out


def words(sentence: str) -> int:
    return sum(1 for token in sentence.split() if WORD.search(token))


def too_long(text_blocks: list[str]) -> list[str]:
    """Sentences over 15 words, and sentences with an abbreviation (easy-to-read French has neither)."""
    long = [s for s in sentences(text_blocks) if words(s) > MAX_WORDS]
    return long + [block for block in text_blocks if ABBREVIATION.search(block)]


def page_text(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    parser.close()
    return parser.blocks


def message_text(body: str) -> list[str]:
    return [line for line in body.splitlines() if line.strip()]


# --- The checker checks what it should -------------------------------------------------------------------------


def test_the_checker_counts_sentences_and_blocks():
    html = (
        "<h1>Un titre</h1><p>Une phrase courte. Une autre <a href='/x'>avec un lien</a> dedans !</p>"
        "<ul><li>un</li><li>deux trois</li></ul><label>Jour</label><button>Enregistrer</button>"
        "<script>var not_text = 'un deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze';</script>"
        "<input type='submit' value='Envoyer'><input type='text' placeholder='Quelques mots'>"
        "<p>Accueil · Mon compte</p><div lang='en'><p>English <b>words</b> here.</p></div><p>Fin</p>"
    )
    assert sentences(page_text(html)) == [
        "Un titre", "Une phrase courte.", "Une autre avec un lien dedans !", "un", "deux trois", "Jour",
        "Enregistrer", "Envoyer", "Quelques mots", "Accueil", "Mon compte", "Fin",
    ]  # fmt: skip
    sixteen = "<p>" + " ".join(["mot"] * 16) + ".</p>"
    assert too_long(page_text(sixteen)) == [" ".join(["mot"] * 16) + "."]
    assert too_long(page_text("<p>" + " ".join(["mot"] * 15) + ". Et " + " ".join(["mot"] * 14) + ".</p>")) == []
    assert words("« Bonjour » — l'attestation · 140 h") == 4
    assert too_long(["mar. 1 déc.", "Quelques mots, p. ex. accueil"]) == [
        "mar. 1 déc.",
        "Quelques mots, p. ex. accueil",
    ]
    assert too_long(["mardi 1 décembre", "Il fait mar. Puis"]) == ["Il fait mar. Puis"]
    assert INTERNAL_CODE.search("DEMO-2026-27 · Compétences techniques") and INTERNAL_CODE.search("C-M1-04 Cadre")
    assert not INTERNAL_CODE.search("Promotion 2026-27 · Module 1")


# --- The demo's trainees ---------------------------------------------------------------------------------------


def crawl(client, start: str = "/", limit: int = 120) -> dict[str, str]:
    """Every HTML page reachable by links from ``start``: URL → HTML."""
    pages: dict[str, str] = {}
    seen: set[str] = set()
    queue = deque([start])
    while queue and len(seen) < limit:
        url = queue.popleft()
        if url in seen or NOT_A_PAGE.search(url) or url.startswith("/logout"):
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        if 'lang="fr"' not in html[:200]:
            continue  # a page shown in another language on purpose (e.g. "?lang=en"): not French text
        pages[url] = html
        for link in HREF.findall(html):
            link = link.replace("&amp;", "&")
            if link not in seen:
                queue.append(link)
    return pages


def trainees() -> list[User]:
    people = db.session.scalars(db.select(User).where(User.active.is_(True)).order_by(User.email)).all()
    return [p for p in people if p.has_role(Role.TRAINEE) and not p.invitation_pending]


def _a_pending_day(user: User) -> None:
    """Give the trainee a day waiting for confirmation (so that its edit form is on her hours page)."""
    enrolment = current_enrolment(user)
    if enrolment is None or enrolment.cohort.ends_on < date.today():
        return
    pending = db.session.scalar(
        db.select(HoursEntry).where(
            HoursEntry.enrolment_id == enrolment.id, HoursEntry.state == HoursState.PENDING.value
        )
    )
    if pending is None:
        for back in range(1, 60):
            try:
                course_services.log_hours(enrolment, date.today() - timedelta(days=back), 120, "accueil")
            except core_services.ServiceError:
                continue
            break


def test_every_trainee_page_has_sentences_of_15_words_at_most(demo, client):
    people = trainees()
    assert len(people) >= 40  # both promotions of the demo
    for person in people:
        _a_pending_day(person)
    db.session.commit()
    problems: dict[str, str] = {}  # sentence -> the first page it was seen on
    pages_read = 0
    for person in people:
        client.post("/logout")
        response = client.post("/login", data={"email": person.email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, person.email
        client.post("/language", data={"lang": "fr", "next": "/"})
        pages = crawl(client)
        for extra in ("/glossary", "/privacy"):
            if extra not in pages:
                response = client.get(extra)
                assert response.status_code == 200, (person.email, extra)
                pages[extra] = response.get_data(as_text=True)
        # The hours form refused (by the form, then by the rules): its messages count too.
        refusals = {
            "no day, too many hours": {"on": "", "hours": "30", "minutes": "75"},
            "in the future": {"on": (date.today() + timedelta(days=1)).isoformat(), "hours": "2"},
            "before the placement": {"on": "2020-01-06", "hours": "2"},
            "a long note": {"on": date.today().isoformat(), "hours": "23", "activity": "mot " * 80},
        }
        for why, data in refusals.items():
            pages[f"/my/hours (refused: {why})"] = client.post("/my/hours", data=data).get_data(as_text=True)
        pages_read += len(pages)
        for url, html in pages.items():
            blocks = page_text(html)
            for sentence in too_long(blocks):
                problems.setdefault(sentence, f"{person.email} {url}")
            for block in blocks:
                if INTERNAL_CODE.search(block):
                    problems.setdefault(block, f"{person.email} {url} (internal code)")
    assert pages_read > 40 * 8
    assert not problems, "\n".join(f"{where}: {s!r} ({words(s)} words)" for s, where in problems.items())


def test_every_message_sent_to_a_trainee_has_sentences_of_15_words_at_most(demo, app):
    people = trainees()
    award = db.session.scalar(db.select(Award).order_by(Award.id))
    holder = db.session.get(User, award.recipient_id) if award else None
    assert holder is not None
    problems: dict[str, str] = {}
    before = db.session.scalar(db.select(db.func.max(OutboxMessage.id))) or 0
    with app.test_request_context():
        fresh = core_services.create_user("nouvelle.stagiaire@example.org", "Nouvelle Stagiaire", ("trainee",))
        fresh.language = "fr"
        core_services.invite(fresh)
        for person in people[:3]:
            person.language = "fr"
            core_services.request_password_reset(person.email)
        holder.language = "fr"
        from badges.services import _notify_issued

        _notify_issued(award, holder)
    messages = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.id > before)).all()
    assert {m.purpose for m in messages} >= {"invite", "reset", "badge-issued"}
    for message in messages:
        with force_locale("fr"):
            for sentence in too_long([message.subject, *message_text(message.body)]):
                problems.setdefault(sentence, message.purpose)
    db.session.rollback()
    assert not problems, "\n".join(f"{where}: {s!r} ({words(s)} words)" for s, where in problems.items())


def test_trainee_pages_link_to_the_glossary(demo, client):
    person = trainees()[0]
    client.post("/login", data={"email": person.email, "password": DEMO_PASSWORD})
    for url in ("/", "/my/training", "/my/hours", "/me/badges"):
        html = client.get(url).get_data(as_text=True)
        assert 'href="/glossary"' in html, url
    glossary = page_text(client.get("/glossary").get_data(as_text=True))
    for word in ("Module", "Compétence", "Badge", "Stage", "Attestation"):
        assert any(block.startswith(word) for block in glossary), word
