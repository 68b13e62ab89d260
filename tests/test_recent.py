"""The synthesizer's memo of recent results (survrepro.sources._recent.Recent).

A search looks up a curve or fit it computed a step before; a lookup must give exactly what
the function gives for those arrays, never a result kept for other contents.
"""
import numpy as np

from survrepro.engine.km import km_median
from survrepro.sources._recent import Recent


def _counting(fn):
    calls = []

    def counted(*args, **options):
        calls.append(args)
        return fn(*args, **options)
    return counted, calls


def test_equal_contents_are_computed_once_and_give_the_functions_result():
    fn, calls = _counting(km_median)
    memo = Recent(fn, size=4)
    t, e = np.array([1.0, 2, 2, 3, 4]), np.array([1, 0, 1, 1, 1])
    first = memo(t, e, conf_type="log")
    again = memo(t.copy(), e.copy(), conf_type="log")
    assert first == again == km_median(t, e, conf_type="log")
    assert len(calls) == 1


def test_a_changed_array_other_options_or_another_type_are_computed_anew():
    fn, calls = _counting(km_median)
    memo = Recent(fn, size=8)
    t, e = np.array([1.0, 2, 3, 4]), np.array([1, 1, 0, 1])
    memo(t, e)
    t[1] = 2.5  # changed in place after the call: the kept result is not returned
    assert memo(t, e) == km_median(t, e)
    assert memo(t, e, conf_type="plain") == km_median(t, e, conf_type="plain")
    assert memo(t, e.astype(float)) == km_median(t, e.astype(float))
    assert len(calls) == 4


def test_the_least_recently_used_result_is_dropped_first():
    fn, calls = _counting(lambda a: float(a.sum()))
    memo = Recent(fn, size=2)
    a, b, c = np.array([1.0]), np.array([2.0]), np.array([3.0])
    memo(a), memo(b), memo(a)  # a used last: b is the oldest
    memo(c)  # drops b
    assert len(memo.kept) == 2
    memo(a)
    assert len(calls) == 3  # a still kept
    memo(b)
    assert len(calls) == 4  # b computed again


def test_a_result_of_none_is_kept_like_any_other():
    fn, calls = _counting(lambda a: None)
    memo = Recent(fn)
    assert memo(np.zeros(3)) is None and memo(np.zeros(3)) is None
    assert len(calls) == 1
