"""``tremplin programmes``, ``tremplin cohorts``, ``tremplin import`` and ``tremplin eligibility``."""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import force_locale

from badges import services as badge_services
from badges.cli import badges_group
from core.cli import fail, transaction
from core.db import db
from core.i18n import localized
from core.jobs import JobFailed
from core.models import User
from core.services import ServiceError
from courses import awarding, certificates, documents, eligibility, exports, funding, importer, services
from courses.csvio import KINDS
from courses.models import Cohort, Enrolment, Programme, TrainerKind
from courses.programme_spec import ProgrammeFileError, load_programme_file, shipped_programmes
from courses.report_views import build_report


@click.group("programmes")
def programmes_group() -> None:
    """Programmes as data (YAML files)."""


@programmes_group.command("load")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--shipped", is_flag=True, help="Load the programmes shipped in courses/programmes/.")
@with_appcontext
def programmes_load(paths: tuple[Path, ...], shipped: bool) -> None:
    """Validate and load (or update) programme files. A bad file changes nothing."""
    files = list(paths) + (shipped_programmes() if shipped else [])
    if not files:
        fail("Give one or more YAML files, or --shipped.")
    specs = []
    path_of = {}
    for path in files:
        try:  # load_programme_file also requires the id to match the file name: a renamed copy is refused
            specs.append((load_programme_file(path), path.read_text(encoding="utf-8")))
            path_of[specs[-1][0].id] = path
        except ProgrammeFileError as exc:
            fail(str(exc))
    with transaction():
        for spec, text in specs:
            programme, created = services.load_programme(spec, text)
            try:
                achievements = awarding.sync_achievements(programme)
            except ServiceError as exc:
                fail(f"{path_of[spec.id]}: {exc}")
            click.echo(
                f"{'Loaded' if created else 'Updated'} {programme.code}: {len(spec.modules)} modules, "
                f"{len(spec.competency_codes())} competencies, {len(achievements)} badges."
            )


@programmes_group.command("list")
@with_appcontext
def programmes_list() -> None:
    for p in db.session.scalars(db.select(Programme).order_by(Programme.code)):
        click.echo(f"{p.code:<24} {localized(p.title, 'en')}")


@click.group("cohorts")
def cohorts_group() -> None:
    """Cohorts (promotions)."""


def _date(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{name} must be a date as YYYY-MM-DD, not {value!r}.")


@cohorts_group.command("create")
@click.argument("code")
@click.option("--programme", required=True, help="Programme id, e.g. hetis-initial.")
@click.option("--starts", required=True, help="First day, YYYY-MM-DD.")
@click.option("--ends", required=True, help="Last day, YYYY-MM-DD.")
@click.option("--title")
@click.option("--contact", help="E-mail of the trainees' contact person (a coordinator or a trainer).")
@with_appcontext
def cohorts_create(code, programme, starts, ends, title, contact) -> None:
    person = None
    if contact:
        person = db.session.scalar(db.select(User).where(User.email == contact.strip().lower()))
        if person is None:
            fail(f"No account with the e-mail {contact}.")
    try:
        with transaction():
            cohort = services.create_cohort(
                code,
                services.get_programme(programme),
                _date(starts, "--starts"),
                _date(ends, "--ends"),
                title=title,
                contact=person,
            )
    except ServiceError as exc:
        fail(str(exc))
    click.echo(f"Created cohort {cohort.code} ({programme}, {cohort.starts_on} → {cohort.ends_on}).")


@cohorts_group.command("list")
@with_appcontext
def cohorts_list() -> None:
    for c in db.session.scalars(db.select(Cohort).order_by(Cohort.starts_on, Cohort.code)):
        click.echo(f"{c.code:<24} {c.programme.code:<20} {c.starts_on} → {c.ends_on}")


@cohorts_group.command("add-trainer")
@click.argument("code")
@click.argument("email")
@click.option("--kind", type=click.Choice([k.value for k in TrainerKind]), default="professional", show_default=True)
@with_appcontext
def cohorts_add_trainer(code, email, kind) -> None:
    """Make a trainer staff of a cohort (peer trainer or professional trainer)."""
    cohort = _cohort(code)
    user = db.session.scalar(db.select(User).where(User.email == email.strip().lower()))
    if user is None:
        fail(f"No account with the address {email}.")
    try:
        with transaction():
            services.add_trainer(cohort, user, kind)
    except ServiceError as exc:
        fail(str(exc))
    click.echo(f"{user.email} is a {kind} trainer of {cohort.code}.")


def _cohort(code: str) -> Cohort:
    cohort = db.session.scalar(db.select(Cohort).where(Cohort.code == code))
    if cohort is None:
        fail(f"No cohort with the code {code}.")
    return cohort


@click.command("import")
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("code")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "actor_email", help="Whose name the import is recorded under (needed for competencies).")
@with_appcontext
def import_command(kind, code, file: Path, actor_email) -> None:
    """Import a CSV file into a cohort: all rows, or none if any is wrong."""
    cohort = _cohort(code)
    actor = None
    if actor_email:
        actor = db.session.scalar(db.select(User).where(User.email == actor_email.strip().lower()))
        if actor is None:
            fail(f"No account with the address {actor_email}.")
    try:
        with transaction():
            report = importer.run(kind, cohort, file.read_bytes(), actor=actor)
    except importer.ImportFailed as exc:
        for line in exc.render():
            click.echo(line, err=True)
        fail(f"{file.name}: {len(exc.errors)} error(s); nothing was imported.")
    click.echo(report.summary())


@click.command("eligibility")
@click.argument("code", required=False)
@click.option("--all", "all_cohorts", is_flag=True, help="Every cohort of the platform.")
@click.option("--as-of", "as_of", help="Evaluate at this date (YYYY-MM-DD); default today.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@with_appcontext
def eligibility_command(code, all_cohorts, as_of, fmt) -> None:
    """Who meets the completion rules, one row per trainee sorted by e-mail."""
    if bool(code) == bool(all_cohorts):
        fail("Give a cohort code or --all.")
    day = _date(as_of, "--as-of") or date.today()
    cohorts = [_cohort(code)] if code else list(db.session.scalars(db.select(Cohort).order_by(Cohort.code)))
    if fmt == "csv":
        eligibility.write_csv(cohorts, day, sys.stdout, with_cohort=all_cohorts)
        return
    rows = [
        {**({"cohort": cohort.code} if all_cohorts else {}), **eligibility.csv_row(result)}
        for cohort in cohorts
        for result in eligibility.evaluate_cohort(cohort, day)
    ]
    click.echo(json.dumps(rows, ensure_ascii=False, indent=2))


@badges_group.command("issue")
@click.argument("code")
@click.option("--as-of", help="Evaluate at this date (YYYY-MM-DD; default today).")
@with_appcontext
def badges_issue(code, as_of) -> None:
    """Issue every badge the trainees of cohort CODE have earned and do not hold yet.

    Safe to kill and run again: each group of trainees is committed on its own, and a badge is never issued
    twice (one active badge per person and achievement, enforced by the database)."""
    cohort = _cohort(code)
    day = _date(as_of, "--as-of") or date.today()
    if not awarding.can_issue():
        fail("The issuer has no signing keys yet: run `tremplin keys generate` first.")
    ids = list(db.session.scalars(db.select(Enrolment.id).where(Enrolment.cohort_id == cohort.id)))
    issued = 0
    for start in range(0, len(ids), 10):
        with transaction():
            cohort = _cohort(code)
            due = awarding.issue_due([cohort], day, enrolment_ids=ids[start : start + 10])
            issued += sum(created for _award, created in due)
    click.echo(f"{code}: {issued} badges issued ({day.isoformat()}).")


@badges_group.command("list")
@click.argument("code")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@with_appcontext
def badges_list(code, fmt) -> None:
    """The badges of cohort CODE: one per line, or one JSON object per badge (with all its URLs)."""
    cohort = _cohort(code)
    rows = []
    now = datetime.now(UTC)
    for award, email in awarding.cohort_awards(cohort):
        rows.append(
            {
                "uuid": str(award.uuid),
                "email": email,
                "achievement": award.achievement.name.get("fr"),
                "achievement_key": award.achievement.key,
                "status": award.status(now),
                "visibility": award.visibility,
                "issued_at": award.issued_at.isoformat(),
                "valid_until": award.valid_until.isoformat() if award.valid_until else None,
                **badge_services.award_urls(award),
            }
        )
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(f"{row['uuid']}  {row['status']:<10} {row['visibility']:<9} {row['email']:<36} {row['achievement']}")


@click.group("certificates")
def certificates_group() -> None:
    """Printed certificates (PDF) of the trainees whose programme badge is active."""


@certificates_group.command("render")
@click.argument("code")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Folder to write.")
@click.option("--lang", type=click.Choice(["fr", "en", "nl"]), default="fr", show_default=True)
@with_appcontext
def certificates_render(code: str, out: Path, lang: str) -> None:
    """Write OUT/<email>.pdf for each trainee of cohort CODE whose programme badge is active (certificates are
    created on the way, with their verification codes). Others are left out, and said so."""
    out.mkdir(parents=True, exist_ok=True)
    with transaction():
        cohort = _cohort(code)
        rows = certificates.cohort_certificates(cohort)  # created (with their codes) and committed first
    written = 0
    for _enrolment, user, certificate in rows:
        (out / f"{user.email}.pdf").write_bytes(certificates.render(certificate, lang))
        written += 1
    total = db.session.scalar(db.select(db.func.count()).select_from(Enrolment).where(Enrolment.cohort_id == cohort.id))
    click.echo(
        f"{code}: {written} certificates written to {out} ({total - written} trainees without an active "
        "programme badge)."
    )


@click.group("documents")
def documents_group() -> None:
    """The training body's documents (signed PDFs): certificat de réalisation, attestation d'assiduité,
    attestation de fin de formation, convocation."""


def _documents_command(kind: str) -> None:
    @documents_group.command(kind)
    @click.argument("code")
    @click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Folder.")
    @click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="First day (default: the action's).")
    @click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), help="Last day (default: the action's).")
    @click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
    @with_appcontext
    def command(code: str, out: Path, start, end, lang: str) -> None:
        cohort = _cohort(code)
        if kind not in documents.PERIOD_KINDS and (start or end):
            fail(f"The {kind} covers the whole action: --from and --to do not apply.")
        try:
            period = documents.period_for(cohort, start.date() if start else None, end.date() if end else None)
        except ServiceError as exc:
            fail(str(exc))
        rows = documents.cohort_enrolments(cohort)
        out.mkdir(parents=True, exist_ok=True)
        for enrolment, user in rows:
            (out / f"{user.email}.pdf").write_bytes(documents.render(kind, enrolment, period, lang))
        db.session.commit()  # the PDF signing certificate, if the first signature made it
        click.echo(f"{code}: {len(rows)} documents ({kind}, {period.start} to {period.end}) written to {out}.")

    command.__doc__ = f"Write OUT/<email>.pdf, the {kind} of each trainee of cohort CODE" + (
        ", for the period given (default: the whole action)." if kind in documents.PERIOD_KINDS else "."
    )


for _kind in documents.KINDS:
    _documents_command(_kind)


@click.command("report")
@click.argument("kind", type=click.Choice(["summary", "sessions", "modules", "risk", "badges", "funder", "bpf"]))
@click.argument("code", required=False)
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "pdf"]), required=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="File to write.")
@click.option("--delimiter", type=click.Choice([";", ","]), default=";", show_default=True, help="CSV separator.")
@click.option("--part", help="CSV: which table of the report (default: the first).")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), help="Evaluation date (default: today).")
@click.option("--year", type=int, help="bpf: the civil year (e.g. 2026).")
@click.option("--lang", type=click.Choice(["fr", "en", "nl"]), default="fr", show_default=True)
@with_appcontext
def report_command(kind, code, fmt, out, delimiter, part, as_of, year, lang) -> None:
    """Write a report of the cohort CODE (or of every cohort with CODE "all": summary and funder only), or the
    BPF of a civil year (``report bpf --year YYYY``: one row per box of the Cerfa 10443's pedagogical part)."""
    day = as_of.date() if as_of else date.today()
    if kind == "bpf":
        if year is None or code is not None:
            fail("report bpf takes --year YYYY and no cohort code")
    elif code is None:
        fail(f"report {kind} needs a cohort code (or all)")
    with force_locale(lang):
        try:
            report = funding.bpf_report(year, day) if kind == "bpf" else build_report(kind, code, day)
            rows = exports.write_file(report, fmt, out, delimiter=delimiter, part=part)
        except (JobFailed, KeyError, ServiceError) as exc:
            fail(str(exc))
    click.echo(f"Wrote {out} ({fmt}{f', {rows} rows' if fmt != 'pdf' else ''}).")


def init_app(app) -> None:
    app.cli.add_command(certificates_group)
    app.cli.add_command(documents_group)
    app.cli.add_command(report_command)
    app.cli.add_command(programmes_group)
    app.cli.add_command(cohorts_group)
    app.cli.add_command(import_command)
    app.cli.add_command(eligibility_command)
