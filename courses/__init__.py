"""The training domain: programmes, cohorts, sessions, attendance, placements, competencies, eligibility."""


def init_app(app) -> None:
    """Called by ``core.create_app``: views, commands, home panels, menu entries and demo data."""
    # why: a package's __init__ stays light: importing one of its modules (a pure one) must not load them all
    from core import backup
    from core.rest import api as rest_api
    from courses import (  # noqa: F401 - they register routes
        api,
        awarding,
        certificate_views,
        cli,
        competency_grid,
        demo,
        document_views,
        emargement,
        emargement_views,
        enrolment_views,
        evidence_store,
        facts,
        funder_views,
        funding_privacy,
        home,
        privacy,
        report_views,
        self_views,
        views,
    )
    from courses.blueprint import bp

    certificate_views.register_converter(app)
    app.register_blueprint(bp)
    rest_api.register_blueprint(api.bp)
    certificate_views.init_app(app)
    document_views.init_app(app)
    _template_helpers(app)
    cli.init_app(app)
    home.register()
    report_views.register()
    funder_views.register()
    demo.connect()
    awarding.init_app(app)
    privacy.init_app()
    funding_privacy.init_app()
    evidence_store.install_hooks()
    emargement.install_hooks()
    facts.install_hooks()
    backup.database_restored.connect(_on_database_restored)


def _on_database_restored(sender, app) -> None:
    """After ``tremplin restore``: forget the evaluations remembered from the old database."""
    from courses import facts  # why: a package's __init__ stays light

    facts.forget(app)


def _template_helpers(app) -> None:
    # why: a package's __init__ stays light: importing one of its modules (a pure one) must not load them all
    from courses import presenters, services

    app.jinja_env.filters.update(hm=presenters.hm, percent=presenters.percent)
    app.jinja_env.globals.update(
        STATUS_LABELS=presenters.STATUS_LABELS,
        STATUS_TAGS=presenters.STATUS_TAGS,
        MARK_LABELS=presenters.MARK_LABELS,
        METHOD_LABELS=presenters.METHOD_LABELS,
        HOURS_STATE_LABELS=presenters.HOURS_STATE_LABELS,
        FINAL_WORK_LABELS=presenters.FINAL_WORK_LABELS,
        explain=presenters.explain,
        trainee_contact=services.trainee_contact,
    )
