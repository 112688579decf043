"""Sample-ratio mismatch check."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import stats

from sim.analysis import SampleRatioMismatchWarning, sample_ratio_check
from sim.errors import InputError


def test_matches_scipy_chisquare_with_weights():
    counts = {"a": 3300, "b": 3350, "c": 6500}
    check = sample_ratio_check(counts, {"a": 1, "b": 1, "c": 2})
    total = sum(counts.values())
    ref = stats.chisquare([3300, 3350, 6500], np.array([0.25, 0.25, 0.5]) * total)
    assert check.statistic == pytest.approx(ref.statistic)
    assert check.p_value == pytest.approx(ref.pvalue)
    assert check.df == 2 and not check.mismatch


def test_mismatch_warns_with_a_clear_message_and_sets_the_flag():
    with pytest.warns(SampleRatioMismatchWarning, match="sample ratio mismatch.*a=5000.*b=5400"):
        check = sample_ratio_check({"a": 5000, "b": 5400})
    assert check.mismatch and check.p_value < 0.001
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quiet = sample_ratio_check({"a": 5000, "b": 5400}, warn=False)
    assert quiet.mismatch


def test_empty_arm_is_a_mismatch_and_no_units_is_no_check():
    with pytest.warns(SampleRatioMismatchWarning):
        assert sample_ratio_check({"a": 500, "b": 0}).mismatch
    none = sample_ratio_check({"a": 0, "b": 0})
    assert not none.mismatch and none.note == "no units" and np.isnan(none.p_value)
    assert none.to_dict()["p_value"] is None


def test_weights_must_name_the_arms_and_be_positive():
    with pytest.raises(InputError, match="missing"):
        sample_ratio_check({"a": 1, "b": 1}, {"a": 1})
    with pytest.raises(InputError, match="unknown"):
        sample_ratio_check({"a": 1, "b": 1}, {"a": 1, "b": 1, "z": 1})
    with pytest.raises(InputError, match="> 0"):
        sample_ratio_check({"a": 1, "b": 1}, {"a": 1, "b": 0})
