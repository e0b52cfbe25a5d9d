"""minigrad.teaching.timing: medians of batched runs, checked on a fake clock that advances by
known amounts (no test depends on how busy the machine is)."""

import time

import pytest

from minigrad.teaching.finite_diff import CallCounter
from minigrad.teaching.timing import median_ratio, median_seconds


class FakeClock:
    """A clock that only moves when a fake workload says it took `seconds`."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def work(self, seconds):
        return lambda: setattr(self, "now", self.now + seconds)


def test_a_known_duration_is_measured():
    clock = FakeClock()
    t = median_seconds(clock.work(0.004), repeat=3, min_time=0.0, clock=clock)
    assert t == pytest.approx(0.004)


def test_loops_are_doubled_until_min_time():
    clock = FakeClock()
    counted = CallCounter(clock.work(1e-4))
    t = median_seconds(counted, repeat=3, min_time=1e-3, clock=clock)
    # 16 calls is the first power of two lasting 1e-3 s; then 3 samples of 16 calls
    assert counted.calls == (1 + 2 + 4 + 8 + 16) + 3 * 16
    assert t == pytest.approx(1e-4)


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


def test_ratio_of_known_durations():
    clock = FakeClock()
    r = median_ratio(clock.work(0.009), clock.work(0.003), repeat=3, min_time=0.0, clock=clock)
    assert r == pytest.approx(3.0)


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
