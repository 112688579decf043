"""Multiple-comparison adjustment."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from sim.analysis import adjust_p_values
from sim.errors import InputError

P = [0.001, 0.04, 0.03, 0.2, 0.012]


@pytest.mark.parametrize(
    ("ours", "theirs"), [("holm", "holm"), ("bh", "fdr_bh"), ("bonferroni", "bonferroni")]
)
def test_matches_statsmodels(ours, theirs):
    np.testing.assert_allclose(adjust_p_values(P, ours), multipletests(P, method=theirs)[1])


def test_nan_p_values_stay_out_of_the_family():
    with_nan = adjust_p_values([*P, np.nan], "holm")
    assert np.isnan(with_nan[-1])
    np.testing.assert_allclose(with_nan[:-1], multipletests(P, method="holm")[1])
    assert np.isnan(adjust_p_values([np.nan, np.nan])).all()


def test_none_and_unknown():
    np.testing.assert_array_equal(adjust_p_values(P, "none"), P)
    with pytest.raises(InputError, match="holm"):
        adjust_p_values(P, "sidak-ish")
