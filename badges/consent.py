"""The holder's consent to publish a badge: every choice a holder makes on a badge (public with the name, private,
declined) is recorded with the exact sentence they were shown (:data:`WORDING`, version :data:`WORDING_VERSION`)
in their language. ``badges.services.set_visibility`` records the choice; ``badges.privacy`` shows and erases.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import has_request_context
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from badges.models import Award, Visibility
from core.db import db
from core.i18n import current_language
from core.models import User
from core.privacy.models import ConsentDecision
from core.privacy.services import consents_of, record_consent

CONSENT_PURPOSE = "badge-publication"
WORDING_VERSION = "badge-visibility-2026-12"  # 2026-12: the French in short sentences (easy-to-read)
HOLDER_REQUEST = "Withdrawn at the holder's request"

#: What the holder agrees to, per choice: shown under the choice on the badge page, and recorded as said.
WORDING = {
    Visibility.PUBLIC.value: _l(
        "I make this badge public. It shows my name, “%(name)s”, and it is listed on my public page: anyone who "
        "has the link can see it. I can make it private again at any time; the copies with my name then say "
        "that they were replaced."
    ),
    Visibility.UNLISTED.value: _l(
        "I keep this badge private. It does not show my name and it is not listed anywhere: only the people I "
        "send the link or the file to can see it."
    ),
    Visibility.DECLINED.value: _l(
        "I decline this badge. It is hidden everywhere, except in the training body's register. I can change my "
        "mind at any time."
    ),
}


def wording(choice: str, holder: User, lang: str) -> str:
    with force_locale(lang):
        return str(WORDING[choice]) % {"name": holder.name}


def record_choice(award: Award, previous: str, choice: str, holder: User, *, at: datetime | None = None) -> None:
    """Record the holder's choice for ``award`` (called by ``services.set_visibility`` when the holder chose)."""
    lang = current_language() if has_request_context() else holder.language
    if choice == Visibility.PUBLIC.value:
        decision = ConsentDecision.GIVEN
    elif choice == Visibility.UNLISTED.value and previous == Visibility.PUBLIC.value:
        decision = ConsentDecision.WITHDRAWN
    else:
        decision = ConsentDecision.REFUSED
    record = record_consent(
        holder,
        CONSENT_PURPOSE,
        choice,
        decision,
        wording=wording(choice, holder, lang),
        wording_version=WORDING_VERSION,
        language=lang,
        subject=f"badge_award:{award.uuid}",
    )
    if at is not None:
        record.at = at


def history_of(award: Award) -> list[Award]:
    """Every copy of this badge for this holder (re-issues included), newest first."""
    if award.recipient_id is None:
        return [award]
    return list(
        db.session.scalars(
            sa.select(Award)
            .where(Award.recipient_id == award.recipient_id, Award.achievement_id == award.achievement_id)
            .order_by(Award.issued_at.desc(), Award.id.desc())
        )
    )


def consents_for(award: Award, holder: User):
    """The holder's recorded choices about this badge (all its copies), newest first."""
    return consents_of(holder, purpose=CONSENT_PURPOSE, subjects=[f"badge_award:{a.uuid}" for a in history_of(award)])
