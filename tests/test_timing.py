"""minigrad.timing: medians of batched runs, checked against known sleeps."""

import time

import pytest

from minigrad.finite_diff import CallCounter
from minigrad.timing import median_ratio, median_seconds


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


def test_ratio_of_known_sleeps():
    r = median_ratio(lambda: time.sleep(0.009), lambda: time.sleep(0.003), repeat=3, min_time=0.0)
    # sleeps overshoot by a little, so the ratio sits a bit under 9 / 3
    assert 2.0 < r <= 3.2


def test_ratio_repeat_must_be_positive():
    with pytest.raises(ValueError):
        median_ratio(lambda: None, lambda: None, repeat=0)


def _busy(seconds):
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_cpu_clock_ignores_sleeping():
    # a sleep takes wall-clock time but almost no CPU time
    t = median_seconds(lambda: time.sleep(0.004), repeat=3, min_time=0.0, clock=time.process_time)
    assert t < 0.002


def test_cpu_clock_ratio_of_known_work():
    r = median_ratio(lambda: _busy(0.006), lambda: _busy(0.002), repeat=3, min_time=0.0,
                     clock=time.process_time)
    assert 2.0 < r < 4.0
