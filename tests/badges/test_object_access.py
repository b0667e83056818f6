"""Badges, object by object: a holder's badge is theirs alone to see in their space and to make public; the
public documents of an unlisted badge never carry the holder's name or e-mail; a public profile lists only what
its holder made public. On the demo: Amina and Dario are trainees with badges, Dario's all unlisted."""

from __future__ import annotations

from badges.models import Award, Visibility
from core.db import db
from tests.demo_world import login, user


def awards_of(email: str) -> list[Award]:
    person = user(email)
    return list(db.session.scalars(db.select(Award).where(Award.recipient_id == person.id).order_by(Award.id)))


def test_a_trainee_cannot_see_or_publish_another_trainees_badge(client, demo):
    theirs = next(a for a in awards_of("dario.exemple@example.org") if a.visibility == Visibility.UNLISTED.value)
    mine = next(a for a in awards_of("amina.exemple@example.org") if a.revoked_at is None)
    count = db.session.scalar(db.select(db.func.count()).select_from(Award))
    login(client, "amina.exemple@example.org")

    assert client.get(f"/me/badges/{mine.uuid}").status_code == 200  # control: her own
    assert client.get(f"/me/badges/{theirs.uuid}").status_code == 404  # not 403: existence is not told either
    for choice in ("public", "declined"):
        assert client.post(f"/me/badges/{theirs.uuid}", data={"visibility": choice}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Award, theirs.id).visibility == Visibility.UNLISTED.value
    assert db.session.get(Award, theirs.id).display_name is None
    assert db.session.scalar(db.select(db.func.count()).select_from(Award)) == count  # no copy made either
    assert theirs.uuid.hex not in client.get("/me/badges").get_data(as_text=True).replace("-", "")


def test_an_unlisted_badge_is_nameless_everywhere_it_is_public(client, demo):
    dario = user("dario.exemple@example.org")
    award = next(a for a in awards_of(dario.email) if a.visibility == Visibility.UNLISTED.value)
    urls = [
        f"/verify/{award.uuid}",
        f"/badges/assertions/{award.uuid}.jws",
        f"/badges/credentials/{award.uuid}",
        f"/badges/credentials/{award.uuid}.jwt",
        f"/badges/awards/{award.uuid}/badge.svg",
        f"/badges/awards/{award.uuid}/badge-ob2.svg",
    ]
    for url in urls:
        response = client.get(url, headers={"Accept": "application/json"})
        assert response.status_code == 200, url
        text = response.get_data(as_text=True)
        for needle in (dario.email, dario.legal_name, "Dario"):
            assert needle not in text, (url, needle)
        response.close()
    assert client.get(f"/profiles/{dario.uuid}").status_code == 404  # no public badge: no page at all


def test_a_public_profile_lists_only_the_badges_made_public(client, demo):
    amina = user("amina.exemple@example.org")
    awards = awards_of(amina.email)
    public = [a for a in awards if a.visibility == Visibility.PUBLIC.value and a.revoked_at is None]
    hidden = [a for a in awards if a not in public]
    assert public and hidden
    page = client.get(f"/profiles/{amina.uuid}").get_data(as_text=True)
    assert all(str(a.uuid) in page for a in public)
    assert [a.uuid for a in hidden if str(a.uuid) in page] == []
    assert amina.email not in page


XSS = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


def test_a_hostile_display_name_is_shown_as_text_on_every_public_page(app, client, award, holder):
    """The holder's chosen name goes into public pages and signed documents: always as text, never as markup."""
    from tests.conftest import PASSWORD

    assert client.post("/login", data={"email": holder.email, "password": PASSWORD}).status_code == 302
    form = {"form": "profile", "profile-display_name": XSS, "profile-language": "fr"}
    assert client.post("/account", data=form).status_code == 302
    assert client.post(f"/me/badges/{award.uuid}", data={"visibility": "public"}).status_code == 302
    client.post("/logout")
    public = db.session.scalar(
        db.select(Award).where(Award.recipient_id == holder.id, Award.visibility == Visibility.PUBLIC.value)
    )
    assert public is not None and public.display_name == XSS  # the name is kept as typed...
    for url in (f"/profiles/{holder.uuid}", f"/verify/{public.uuid}"):
        page = client.get(url)
        assert page.status_code == 200, url
        text = page.get_data(as_text=True)
        assert "<script>alert(2)" not in text and "<img src=x" not in text, url  # ...and shown as text
        assert "&lt;script&gt;alert(2)" in text, url
