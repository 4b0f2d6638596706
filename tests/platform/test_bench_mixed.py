"""The arithmetic of the mixed-load benchmark: percentiles, the paced schedule, the saturation rule, the mix."""

from __future__ import annotations

import pytest

from bench.mixed import (
    SERVICES,
    Sample,
    buckets,
    kept_up,
    parse_weights,
    percentile,
    schedule,
)


def test_percentiles_are_nearest_rank():
    values = [float(n) for n in range(1, 101)]  # 1 … 100, shuffled order must not matter
    shuffled = values[::-1]
    assert (percentile(shuffled, .5), percentile(shuffled, .95), percentile(shuffled, .99)) == (50.0, 95.0, 99.0)
    assert percentile([float(n) for n in range(1, 21)], .95) == 19.0  # not pushed to 20 by float error
    assert percentile([7.0], .99) == 7.0
    assert percentile([1.0, 1000.0], .5) == 1.0
    assert percentile([1.0, 1000.0], .99) == 1000.0
    assert percentile([], .5) != percentile([], .5)  # nan: nothing measured is not a figure


def test_the_schedule_paces_requests_evenly_from_the_start():
    offsets = schedule(4, 2.5)
    assert offsets == [0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.25]
    assert len(schedule(13.2, 300)) == 3960
    assert schedule(10, 0) == []


@pytest.mark.parametrize(("change", "expected"), [
    ({}, True),
    ({"achieved": 89.0}, False),  # fewer than 90 % of what was offered answered
    ({"achieved": 90.0}, True),
    ({"p99_ms": 1000.5}, False),
    ({"failed": 11}, False),  # more than 1 % failed
    ({"failed": 10}, True),
    ({"backlog": 201}, False),  # more than two seconds of arrivals left waiting
    ({"backlog": 200}, True),
])
def test_a_stage_keeps_up_only_when_answers_latency_errors_and_backlog_all_do(change, expected):
    stage = {"offered": 100.0, "achieved": 99.0, "p99_ms": 150.0, "failed": 0, "total": 1000, "backlog": 20}
    assert kept_up(**(stage | change)) is expected


def test_a_small_backlog_is_not_held_against_a_slow_stage():
    assert kept_up(offered=10.0, achieved=10.0, p99_ms=50.0, failed=0, total=100, backlog=50)
    assert not kept_up(offered=10.0, achieved=10.0, p99_ms=50.0, failed=0, total=100, backlog=51)


def test_weights_name_known_kinds_only():
    assert parse_weights("visit=35, baseline=5,export=0") == {"visit": 35.0, "baseline": 5.0}
    with pytest.raises(ValueError, match="unknown kind 'vists'"):
        parse_weights("vists=3")
    with pytest.raises(ValueError, match="not all zero"):
        parse_weights("visit=0")
    with pytest.raises(ValueError, match="non-negative"):
        parse_weights("visit=3,export=-1")


def test_the_queue_series_keeps_the_peaks_when_it_merges_samples():
    samples = [Sample(float(t), "hold" if t >= 4 else "stage 1", {s: t for s in SERVICES},
                      {s: 10 - t for s in SERVICES}, {s: 0 for s in SERVICES}) for t in range(10)]
    merged = buckets(samples, 4)
    assert [(m.at, m.phase, m.queued["ledger"], m.unpublished["intake"]) for m in merged] == [
        (2.0, "stage 1", 2, 10), (5.0, "hold", 5, 7), (8.0, "hold", 8, 4), (9.0, "hold", 9, 1)]
    assert buckets(samples, 20) == samples
