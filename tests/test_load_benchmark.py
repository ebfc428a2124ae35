"""The load benchmark's arithmetic (benchmarks/load.py): its percentiles are those of numpy's default method."""

from __future__ import annotations

import pytest

from benchmarks.load import Round, percentile


def test_percentiles_interpolate_between_closest_ranks() -> None:
    assert percentile([4.0, 1.0, 3.0, 2.0], 50) == 2.5
    assert percentile([float(n) for n in range(1, 21)], 95) == pytest.approx(19.05)
    assert percentile([7.0], 95) == 7.0
    assert percentile([], 50) is None


def test_a_round_with_errors_reports_them_beside_its_answers() -> None:
    result = Round("3 users", 3, page_loads=[1.0, 2.0], answers=[0.5, 1.5], errors=["user 2: TimeoutError: ..."])
    summary = result.summary()
    assert (summary["answers"], summary["errors"]) == (2, 1)
    assert summary["answer_p50"] == 1.0
    assert summary["upload_p50"] is None
