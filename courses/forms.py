"""Forms of the training domain (Flask-WTF: every form carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from core.forms import MultiCheckboxField
from courses.csvio import KINDS
from courses.esf import FIELDS as ESF_FIELDS
from courses.funding import FUNDING_SOURCE_LABELS, TRAINEE_TYPE_LABELS
from courses.satisfaction import ANSWERS, QUESTIONS

DATE_REQUIRED = _l("Please give a date.")


class CohortForm(FlaskForm):
    code = StringField(
        _l("Code"),
        description=_l("One word, e.g. DEMO-2026-27. It appears in exports and commands."),
        validators=[DataRequired(_l("Please give a code.")), Length(max=60)],
    )
    programme = SelectField(_l("Programme"), validators=[DataRequired(_l("Choose a programme."))])
    title = StringField(_l("Name (optional)"), validators=[Optional(), Length(max=200)])
    starts_on = DateField(_l("First day"), validators=[DataRequired(DATE_REQUIRED)])
    ends_on = DateField(_l("Last day"), validators=[DataRequired(DATE_REQUIRED)])
    contact = SelectField(
        _l("Contact person for the trainees"),
        description=_l("Trainees see this name and e-mail address on every page, to know whom to ask."),
        validators=[Optional()],
    )


class ConvocationForm(FlaskForm):
    """A cohort's own convocation details; empty: the programme's."""

    place = StringField(_l("Place"), validators=[Optional(), Length(max=200)])
    what_to_bring = TextAreaField(_l("What to bring"), validators=[Optional(), Length(max=500)])
    convocation_contact = StringField(
        _l("Contact for the trainees"),
        description=_l("A name and how to reach them."),
        validators=[Optional(), Length(max=200)],
    )
    accessibility_referent = StringField(
        _l("Disability referent"),
        description=_l("A name and how to reach them."),
        validators=[Optional(), Length(max=200)],
    )


class CohortEditForm(FlaskForm):
    """What a coordinator may change once the cohort exists: its name and the trainees' contact person."""

    title = StringField(_l("Name (optional)"), validators=[Optional(), Length(max=200)])
    contact = SelectField(
        _l("Contact person for the trainees"),
        description=_l("Trainees see this name and e-mail address on every page, to know whom to ask."),
        validators=[Optional()],
    )


class ImportForm(FlaskForm):
    kind = SelectField(_l("What the file contains"), validators=[DataRequired()])
    file = FileField(_l("CSV file"), description=_l("UTF-8, separated by commas or semicolons, with a header row."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice(k, label) for k, label in import_kind_labels().items()]


def import_kind_labels() -> dict[str, str]:
    labels = {
        "sessions": _l("Sessions (module, date, start, end, status)"),
        "trainees": _l(
            "Trainees (email, legal name, chosen name, enrolled on, withdrawn on, type of trainee, funding source)"
        ),
        "pauses": _l("Pauses (email, from, to)"),
        "attendance": _l("Attendance (date, start, email, status, minutes)"),
        "placements": _l("Placement hours (email, date, minutes, state)"),
        "competencies": _l("Validated competencies (email, competency, validated on)"),
        "finalwork": _l("Final work (email, result)"),
    }
    assert set(labels) == set(KINDS)
    return labels


class SessionForm(FlaskForm):
    module = SelectField(_l("Module"), validators=[Optional()])
    on = DateField(_l("Date"), validators=[DataRequired(DATE_REQUIRED)])
    starts_at = TimeField(_l("Start"), validators=[DataRequired(_l("Please give a time."))])
    ends_at = TimeField(_l("End"), validators=[DataRequired(_l("Please give a time."))])
    title = StringField(_l("Subject (optional)"), validators=[Optional(), Length(max=200)])
    place = StringField(_l("Place (optional)"), validators=[Optional(), Length(max=200)])
    seats = IntegerField(
        _l("Seats in the room (optional)"),
        description=_l("More signatures than seats will be refused."),
        validators=[Optional(), NumberRange(1, 1000)],
    )
    trainers = MultiCheckboxField(_l("Trainers"), validators=[Optional()])
    cancelled = BooleanField(_l("Cancelled"))


class HoursForm(FlaskForm):
    on = DateField(_l("Day"), validators=[DataRequired(DATE_REQUIRED)])
    # Empty at first (never a 0 to erase): the trainee types the number she means.
    hours = IntegerField(_l("Hours"), validators=[InputRequired(_l("Please give the hours.")), NumberRange(0, 24)])
    minutes = IntegerField(_l("Minutes"), validators=[Optional(), NumberRange(0, 59)])
    activity = StringField(
        _l("What you did (optional)"),
        description=_l("A few words, e.g. 'welcome desk', 'team meeting'. Never the names of the people you met."),
        validators=[Optional(), Length(max=300, message=_l("Keep the note short (300 characters at most)."))],
    )


class ReviewForm(FlaskForm):
    decision = RadioField(
        _l("Decision"),
        choices=[SelectChoice("confirmed", _l("Confirm")), SelectChoice("rejected", _l("Do not confirm"))],
        validators=[DataRequired(_l("Choose confirm or do not confirm."))],
    )
    comment = StringField(_l("Comment (required if you do not confirm)"), validators=[Optional(), Length(max=500)])


class ValidationForm(FlaskForm):
    competency = SelectField(_l("Competency"), validators=[DataRequired(_l("Choose a competency."))])
    evidence_type = SelectField(_l("Evidence"), validators=[DataRequired(_l("Choose the kind of evidence."))])
    validated_on = DateField(_l("Date"), validators=[DataRequired(DATE_REQUIRED)])
    comment = TextAreaField(
        _l("Comment (optional)"),
        description=_l("Neutral and about the practice observed; the trainee can read it."),
        validators=[Optional(), Length(max=1000)],
    )
    file = FileField(_l("File (optional: PDF, PNG or JPEG, 5 MB at most)"))


class PauseForm(FlaskForm):
    starts_on = DateField(_l("From"), validators=[DataRequired(DATE_REQUIRED)])
    ends_on = DateField(_l("To (included)"), validators=[DataRequired(DATE_REQUIRED)])


class FinalWorkForm(FlaskForm):
    result = RadioField(
        _l("Final work"),
        choices=[
            SelectChoice("pending", _l("Not assessed yet")),
            SelectChoice("passed", _l("Passed")),
            SelectChoice("failed", _l("Not passed")),
        ],
        validators=[DataRequired()],
    )


class WithdrawForm(FlaskForm):
    withdrawn_on = DateField(_l("Withdrawal date (empty to cancel a withdrawal)"), validators=[Optional()])


class PlacementForm(FlaskForm):
    host = StringField(
        _l("Host organisation"), validators=[DataRequired(_l("Please enter the name.")), Length(max=200)]
    )
    kind = RadioField(
        _l("Kind"),
        choices=[SelectChoice("stage", _l("Placement (stage)")), SelectChoice("emploi", _l("Job (emploi)"))],
        default="stage",
        validators=[DataRequired()],
    )
    starts_on = DateField(_l("From"), validators=[DataRequired(DATE_REQUIRED)])
    ends_on = DateField(_l("To (optional)"), validators=[Optional()])
    tutor = SelectField(_l("Placement referent with an account"), validators=[Optional()])
    tutor_name = StringField(_l("or: referent's name"), validators=[Optional(), Length(max=200)])
    tutor_email = StringField(
        _l("and e-mail (to receive the confirmation link)"), validators=[Optional(), Length(max=254)]
    )


class PlatformExportForm(FlaskForm):
    """The whole-platform exports run as background jobs."""

    report = SelectField(_l("Report"), validators=[DataRequired()])
    format = SelectField(_l("Format"), validators=[DataRequired()])
    delimiter = SelectField(_l("CSV separator"), validators=[DataRequired()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.report.choices = [
            SelectChoice("summary", _l("Summary of every trainee of every cohort")),
            SelectChoice("funder", _l("Funder report (aggregates)")),
        ]
        self.format.choices = [SelectChoice("xlsx", "XLSX"), SelectChoice("csv", "CSV"), SelectChoice("pdf", "PDF")]
        self.delimiter.choices = [
            SelectChoice("semicolon", _l("semicolon ; (French Excel)")),
            SelectChoice("comma", _l("comma ,")),
        ]


class EnrolmentFundingForm(FlaskForm):
    """What the funders' documents need to know about an enrolment (BPF): never shown on a badge."""

    trainee_type = SelectField(_l("Type of trainee"), validators=[Optional()])
    funding_source = SelectField(_l("Who pays for the training"), validators=[Optional()])
    subcontracted = BooleanField(_l("Another training body entrusted this training to us (subcontracting)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        unknown = SelectChoice("", _l("Not known yet"))
        self.trainee_type.choices = [unknown] + [SelectChoice(k, v) for k, v in TRAINEE_TYPE_LABELS.items()]
        self.funding_source.choices = [unknown] + [SelectChoice(k, v) for k, v in FUNDING_SOURCE_LABELS.items()]


class EsfParticipantForm(FlaskForm):
    """The ESF+ common output indicators, each optional, recorded only with the trainee's consent."""

    consent = BooleanField(_l("The trainee agrees to give this information for the ESF+ report"))
    age_band = SelectField(_l("Age at entry"), validators=[Optional()])
    sex = SelectField(_l("Sex"), validators=[Optional()])
    labour_status = SelectField(_l("Situation on the labour market at entry"), validators=[Optional()])
    isced = SelectField(_l("Education level (ISCED)"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, labels in ESF_FIELDS.items():
            getattr(self, name).choices = [SelectChoice("", _l("Not given"))] + [
                SelectChoice(k, v) for k, v in labels.items()
            ]


def _answer_field(question: str) -> RadioField:
    choices = [SelectChoice(str(k), v) for k, v in ANSWERS.items()]
    return RadioField(QUESTIONS[question], choices=choices, validators=[Optional()])


class SatisfactionForm(FlaskForm):
    """The end-of-module questionnaire: five questions; any of them may be left without an answer."""

    q1 = _answer_field("q1")
    q2 = _answer_field("q2")
    q3 = _answer_field("q3")
    q4 = _answer_field("q4")
    q5 = _answer_field("q5")

    def answers(self) -> dict[str, int]:
        return {name: int(getattr(self, name).data) for name in QUESTIONS if getattr(self, name).data}


class BpfYearForm(FlaskForm):
    year = IntegerField(_l("Year"), validators=[InputRequired(_l("Give a year.")), NumberRange(2000, 2100)])
