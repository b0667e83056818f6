"""courses.eligibility: the cycle collector is paused while a batch is evaluated, and always started again."""

from __future__ import annotations

import gc

import pytest

from courses import eligibility


@pytest.fixture
def seen(monkeypatch) -> list[bool]:
    states: list[bool] = []

    def fake(cohorts, as_of, *, enrolment_ids, sessions_within):
        states.append(gc.isenabled())
        if cohorts == ["boom"]:
            raise RuntimeError("boom")
        return {}

    monkeypatch.setattr(eligibility, "_evaluate_batch", fake)
    return states


def test_the_collector_is_paused_during_a_batch_and_runs_again_after(seen):
    assert gc.isenabled()
    assert eligibility.evaluate_cohorts([], remember=False) == {}
    assert seen == [False] and gc.isenabled()
    with pytest.raises(RuntimeError):
        eligibility.evaluate_cohorts(["boom"], remember=False)
    assert seen == [False, False] and gc.isenabled()


def test_a_collector_paused_by_the_caller_stays_paused(seen):
    gc.disable()
    try:
        eligibility.evaluate_cohorts([], remember=False)
        assert seen == [False] and not gc.isenabled()
    finally:
        gc.enable()
