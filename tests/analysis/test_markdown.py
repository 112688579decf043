"""The small markdown table writer."""

from __future__ import annotations

import pytest

from sim.analysis.markdown import fmt_interval, fmt_p, markdown_table


def test_columns_line_up_and_cells_are_escaped():
    text = markdown_table(["arm", "rate"], [["control", "0.2"], ["a|b", "0.25\nx"]], align="lr")
    lines = text.splitlines()
    assert len({len(line) for line in lines}) == 1  # every line equally wide
    assert lines[1].startswith("|:") and lines[1].endswith(":|")
    assert "a\\|b" in lines[3] and "0.25 x" in lines[3]


def test_alignment_length_is_checked():
    with pytest.raises(ValueError, match="one letter per column"):
        markdown_table(["a", "b"], [], align="l")


def test_number_formats():
    assert fmt_interval(1.0, float("nan"), float("nan")) == "1.0000"
    assert fmt_interval(2.0, 1.0, float("inf"), 1) == "2.0 [1.0, inf]"
    assert fmt_p(None) == "n/a" and fmt_p(0.5) == "0.5000"
