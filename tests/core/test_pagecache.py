"""``core.pagecache`` on a page of its own (a view added for the test): kept per version and person, never kept
without a version, for a flashed message or a write, the request's CSRF token put back, and the test
configuration's check that fails when a kept page differs from a fresh one."""

from __future__ import annotations

import re

import pytest
from flask import render_template_string
from flask_wtf.csrf import generate_csrf

from core import pagecache
from core.db import db
from core.models import User
from tests.conftest import PASSWORD

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
TEMPLATE = (
    '{% for m in get_flashed_messages() %}<p class="flash">{{ m }}</p>{% endfor %}<p>{{ text }}</p>'
    '<form><input type="hidden" name="csrf_token" value="{{ csrf_token() }}"></form>'
)


@pytest.fixture
def page_app(app):
    """``/test-page`` (login required, as every page not declared public): renders ``state["text"]`` under
    ``state["version"]``, counting renders."""
    state = {"text": "un", "version": (1,), "renders": 0}

    def view():
        def render():
            state["renders"] += 1
            return render_template_string(TEMPLATE, text=state["text"])

        return pagecache.page(state["version"], render)

    app.add_url_rule("/test-page", "test_page", view)
    app.config["PAGE_CACHE_VERIFY"] = False
    return state


def test_a_page_is_kept_per_version(page_app, client, login_as):
    login_as("trainee")
    assert "<p>un</p>" in client.get("/test-page").get_data(as_text=True)
    page_app["text"] = "deux"  # changed without its version: the kept page is served (what VERIFY catches)
    assert "<p>un</p>" in client.get("/test-page").get_data(as_text=True)
    assert page_app["renders"] == 1
    page_app["version"] = (2,)
    assert "<p>deux</p>" in client.get("/test-page").get_data(as_text=True)
    assert page_app["renders"] == 2


def test_no_version_no_memo(page_app, client, login_as):
    login_as("trainee")
    page_app["version"] = None
    client.get("/test-page")
    client.get("/test-page")
    assert page_app["renders"] == 2


def test_each_person_and_query_has_its_own_page(page_app, app, client, login_as, create_user):
    login_as("trainee")
    client.get("/test-page")
    client.get("/test-page?x=1")
    assert page_app["renders"] == 2
    other, someone = app.test_client(), create_user(roles=("trainee",))
    assert other.post("/login", data={"email": someone.email, "password": PASSWORD}).status_code == 302
    other.get("/test-page")
    assert page_app["renders"] == 3


def test_the_person_s_name_is_part_of_the_key(page_app, client, login_as):
    user = login_as("trainee")
    client.get("/test-page")
    row = db.session.get(User, user.id)
    row.display_name = "Nouveau nom"
    db.session.commit()
    client.get("/test-page")
    assert page_app["renders"] == 2


def test_the_request_s_csrf_token_is_put_back(page_app, client, login_as):
    login_as("trainee")
    first = CSRF.search(client.get("/test-page").get_data(as_text=True)).group(1)
    kept = client.get("/test-page").get_data(as_text=True)
    assert page_app["renders"] == 1
    token = CSRF.search(kept).group(1)
    assert "csrf-placeholder" not in kept
    assert token and first  # each a valid token of this session (signed on each request, one secret underneath)
    response = client.post("/logout", data={"csrf_token": token}, csrf=False)
    assert response.status_code == 302


def test_a_flashed_message_is_shown_once_and_never_kept(page_app, client, login_as):
    login_as("trainee")
    client.get("/test-page")
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Enregistré.")]
    assert "Enregistré." in client.get("/test-page").get_data(as_text=True)
    assert page_app["renders"] == 2  # rendered for the message, not taken from memory
    assert "Enregistré." not in client.get("/test-page").get_data(as_text=True)
    assert page_app["renders"] == 2  # kept again (the page without a message)


def test_off_by_configuration(page_app, app, client, login_as):
    app.config["PAGE_CACHE"] = False
    login_as("trainee")
    client.get("/test-page")
    client.get("/test-page")
    assert page_app["renders"] == 2


def test_anonymous_visitors_get_no_kept_page(page_app, client):
    client.get("/test-page")
    client.get("/test-page")
    assert page_app["renders"] == 0  # login required: redirected before the view


def test_verify_fails_when_a_kept_page_is_stale(page_app, app, client, login_as):
    app.config["PAGE_CACHE_VERIFY"] = True
    login_as("trainee")
    client.get("/test-page")
    client.get("/test-page")  # kept, and equal to a fresh one
    page_app["text"] = "deux"
    with pytest.raises(pagecache.StalePage, match="differs from a fresh one"):
        client.get("/test-page")


def test_a_transaction_that_wrote_does_not_use_the_memo(app, login_as, client):
    app.config["PAGE_CACHE_VERIFY"] = False
    user = login_as("trainee")
    renders = []
    with app.test_request_context("/test"):
        from flask_login import login_user

        login_user(db.session.get(User, user.id))
        generate_csrf()
        assert pagecache.page((1,), lambda: renders.append(1) or "a") == "a"
        assert pagecache.page((1,), lambda: renders.append(1) or "a") == "a"
        assert len(renders) == 1
        db.session.get(User, user.id).display_name = "Écrit"
        db.session.flush()
        pagecache.page((1,), lambda: renders.append(1) or "a")
        assert len(renders) == 2
        db.session.rollback()
