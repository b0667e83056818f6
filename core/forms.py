"""Forms of the app shell (Flask-WTF: every form carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, RadioField, SelectField, StringField
from wtforms.fields import SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from core.api_auth import LIFETIMES, SCOPES
from core.models import Role

ROLE_LABELS = {
    Role.ADMIN.value: _l("Coordinator"),
    Role.TRAINER.value: _l("Trainer"),
    Role.TUTOR.value: _l("Placement referent"),
    Role.TRAINEE.value: _l("Trainee"),
    Role.FUNDER.value: _l("Funder"),
}
LANGUAGE_LABELS = {"fr": "Français", "en": "English", "nl": "Nederlands"}


def role_choices() -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in ROLE_LABELS.items()]


def language_choices() -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in LANGUAGE_LABELS.items()]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(_l("Please enter your e-mail address."))])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Please enter your password."))])
    remember = BooleanField(_l("Stay logged in on this device"))
    next = HiddenField()


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(_l("Please enter your e-mail address."))])


class ChoosePasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"), validators=[DataRequired(_l("Please choose a password.")), Length(max=1024)]
    )
    confirm = PasswordField(
        _l("The same password again"),
        validators=[
            DataRequired(_l("Please type the password again.")),
            EqualTo("password", _l("The two passwords are not the same.")),
        ],
    )


class ChangePasswordForm(ChoosePasswordForm):
    current = PasswordField(
        _l("Current password"), validators=[DataRequired(_l("Please enter your current password."))]
    )


class ProfileForm(FlaskForm):
    display_name = StringField(
        _l("Name shown in the platform (optional)"),
        description=_l("Your legal name stays on certificates; this one is used everywhere else."),
        validators=[Optional(), Length(max=200)],
    )
    language = RadioField(_l("Language"), choices=language_choices(), validators=[DataRequired()])


class LanguageForm(FlaskForm):
    lang = SelectField(_l("Language"), choices=language_choices(), validators=[DataRequired()])
    next = HiddenField()


class UserForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(_l("Please enter an e-mail address."))])
    legal_name = StringField(
        _l("Legal name"),
        description=_l("As it must appear on certificates."),
        validators=[DataRequired(_l("Please enter a name.")), Length(max=200)],
    )
    display_name = StringField(_l("Chosen name (optional)"), validators=[Optional(), Length(max=200)])
    language = RadioField(_l("Language"), choices=language_choices(), default="fr", validators=[DataRequired()])
    roles = MultiCheckboxField(
        _l("Roles"), choices=role_choices(), validators=[DataRequired(_l("Choose at least one role."))]
    )


class UserEditForm(UserForm):
    active = BooleanField(_l("Account active"))


class ApiTokenForm(FlaskForm):
    name = StringField(
        _l("Name"),
        description=_l("What the token is for, e.g. “attendance script”."),
        validators=[DataRequired(_l("Give the token a short name (what it is for).")), Length(max=100)],
    )
    scopes = MultiCheckboxField(_l("Permissions"), validators=[DataRequired(_l("Choose at least one permission."))])
    days = SelectField(_l("Valid for"), default="90")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scopes.choices = [SelectChoice(value, label) for value, label in SCOPES.items()]
        self.days.choices = [SelectChoice(str(d), ngettext("%(num)d day", "%(num)d days", d)) for d in LIFETIMES]
