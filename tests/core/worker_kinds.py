"""The app that ``test_worker.py``'s ``tremplin worker`` subprocesses run: Tremplin plus job kinds made for tests
(they write what they do to a log file, one line per event, so the test can count runs)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from core import create_app as create_tremplin
from core import jobs


def _note(context: jobs.JobContext, event: str) -> None:
    with Path(context.params["log"]).open("a") as log:
        log.write(f"{event} {context.params.get('n', context.job_id)} {os.getpid()} {context.attempt}\n")


def slow(context: jobs.JobContext) -> None:
    """Works ``seconds`` (or until ``<log>.fast`` exists), noting its start and its end."""
    _note(context, "start")
    fast = Path(context.params["log"] + ".fast")
    deadline = time.monotonic() + float(context.params["seconds"])
    while time.monotonic() < deadline and not fast.exists():
        time.sleep(0.02)
        context.progress(0)
    _note(context, "end")


def flaky(context: jobs.JobContext) -> None:
    """Raises on its first ``fail`` tries, then works."""
    _note(context, "try")
    if context.attempt <= int(context.params["fail"]):
        raise RuntimeError("not this time")
    _note(context, "end")


def register() -> None:
    jobs.register_job_kind("test-slow", slow)
    jobs.register_job_kind("test-flaky", flaky)


def create_app():
    app = create_tremplin()
    register()
    return app
