"""Forms of the badges engine (Flask-WTF: every form carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from badges.presenters import REASON_LABELS
from badges.services import REVOCATION_REASONS


class VisibilityForm(FlaskForm):
    visibility = RadioField(
        _l("Who can see this badge?"),
        choices=[
            SelectChoice("unlisted", _l("Private: only the people I send the link or the file to (no name shown)")),
            SelectChoice("public", _l("Public: on my public page, with my name")),
            SelectChoice("declined", _l("I decline this badge: hide it")),
        ],
        validators=[DataRequired(message=_l("Choose one option."))],
    )


def _reason_choices() -> list[SelectChoice]:
    """The reasons a coordinator picks (the public wording stays in English in the documents)."""
    choices = [SelectChoice(code, REASON_LABELS[REVOCATION_REASONS[code]]) for code in ("issued-in-error", "withdrawn")]
    return [*choices, SelectChoice("other", _l("Another reason (type it below)"))]


class RevokeForm(FlaskForm):
    reason = RadioField(_l("Reason (shown to whoever verifies the badge)"), validators=[DataRequired()])
    other = StringField(
        _l("Other reason"),
        validators=[Optional(), Length(max=200)],
        description=_l("Neutral words only: the reason is public. Never anything about the person."),
    )
    #: "yes" once the coordinator has read what will happen (the confirmation step) and still wants to revoke.
    confirmed = HiddenField()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.reason.choices = _reason_choices()

    def public_reason(self) -> str:
        if self.reason.data == "other":
            return (self.other.data or "").strip()
        return REVOCATION_REASONS[self.reason.data]


class ReissueForm(FlaskForm):
    pass


class VerifyForm(FlaskForm):
    # Plain words in the labels: the technical formats accepted are listed in a folded help under the form.
    text = TextAreaField(
        _l("Paste the badge's link, or the badge's text"),
        validators=[Optional(), Length(max=2_000_000)],
        description=_l(
            "The link you were given (it starts with https://), or the verification code printed on a certificate."
        ),
    )
    file = FileField(
        _l("Or choose the badge's image"),
        description=_l("The badge picture you received, or the badge file saved from an e-mail (2 MB at most)."),
    )
    email = StringField(
        _l("Email address of the holder (optional)"),
        validators=[Optional(), Length(max=254)],
        description=_l("To check that the badge was issued to this address. It is not stored."),
    )


class WalletOfferForm(FlaskForm):
    with_code = BooleanField(
        _l("Also ask for a code sent by e-mail"),
        description=_l("Safer: your wallet asks for a 6-digit code. We send it to your e-mail address."),
    )


class BackpackConnectForm(FlaskForm):
    url = StringField(
        _l("Address of your other wallet"),
        validators=[DataRequired(message=_l("Type the address of your wallet.")), Length(max=400)],
    )


class BackpackSendForm(FlaskForm):
    """The badges to send come as ``award`` checkboxes (their UUIDs); the form carries the CSRF token."""


class BackpackDisconnectForm(FlaskForm):
    """A button (and its CSRF token)."""
