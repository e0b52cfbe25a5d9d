"""minigrad.timing: medians of batched runs, checked against known sleeps."""

import time

import pytest

from minigrad.finite_diff import CallCounter
from minigrad.timing import median_seconds


def test_a_known_sleep_is_measured():
    t = median_seconds(lambda: time.sleep(0.004), repeat=3, min_time=0.0)
    assert 0.004 <= t < 0.004 + 0.05


def test_fast_functions_are_batched_to_min_time():
    counted = CallCounter(lambda: None)
    median_seconds(counted, repeat=5, min_time=1e-3)
    # the calibration alone needs many calls of a function that does nothing
    assert counted.calls > 5 * 100


def test_slow_functions_run_once_per_sample():
    counted = CallCounter(lambda: time.sleep(0.003))
    median_seconds(counted, repeat=4, min_time=1e-3)
    assert counted.calls == 1 + 4


def test_repeat_must_be_positive():
    with pytest.raises(ValueError):
        median_seconds(lambda: None, repeat=0)
