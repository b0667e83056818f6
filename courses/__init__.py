"""The training domain: programmes, cohorts, sessions, attendance, placements, competencies, eligibility."""


def init_app(app) -> None:
    """Called by ``core.create_app``: views, commands, home panels, menu entries and demo data."""
    from courses import awarding, certificate_views, cli, demo, enrolment_views, home, self_views, views  # noqa: F401
    from courses.blueprint import bp

    certificate_views.register_converter(app)
    app.register_blueprint(bp)
    certificate_views.init_app(app)
    _template_helpers(app)
    cli.init_app(app)
    home.register()
    demo.connect()
    awarding.init_app(app)


def _template_helpers(app) -> None:
    from courses import presenters

    app.jinja_env.filters.update(hm=presenters.hm, percent=presenters.percent)
    app.jinja_env.globals.update(
        STATUS_LABELS=presenters.STATUS_LABELS,
        STATUS_TAGS=presenters.STATUS_TAGS,
        MARK_LABELS=presenters.MARK_LABELS,
        HOURS_STATE_LABELS=presenters.HOURS_STATE_LABELS,
        FINAL_WORK_LABELS=presenters.FINAL_WORK_LABELS,
        explain=presenters.explain,
    )
