"""The comparison edition's funnel chart names the outliers only when the names fit."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sendreport.charts.funnel import LABELLED, plot_funnel
from sendreport.compare.funnel import limits


def chart_names(outside: int) -> list[str]:
    n = outside + 3
    table = pd.DataFrame({
        "la_name": [f"LA {i}" for i in range(n)], "n": np.linspace(50, 500, n),
        "rate": [0.99] * outside + [0.5] * 3,
        "position": ["above 95%"] * outside + ["within"] * 3,
        "unpublished": [False] * (n - 1) + [True]})
    sizes = np.array([20.0, 200.0, 600.0])
    fig = plot_funnel(table, limits(sizes, 0.46), sizes, p0=0.46, title="t",
                      comparator="England 2024")
    return [t.get_text() for t in fig.axes[0].texts]


def test_a_few_outliers_are_all_named_with_the_area_s_own_pack():
    assert chart_names(LABELLED) == [f"LA {i}" for i in range(LABELLED)] + [f"LA {LABELLED + 2}"]


def test_too_many_outliers_to_name_leaves_only_the_own_pack_named():
    """Twelve of them named and the rest not would pick some arbitrarily and overprint."""
    assert chart_names(LABELLED + 1) == [f"LA {LABELLED + 3}"]


def test_the_size_axis_says_the_year_and_what_is_counted():
    from sendreport.compare.edition import build_comparison, funnel_figure
    from sendreport.compare.params import CompareParams

    c = build_comparison(CompareParams(scope="East Midlands", years=[2024]))
    fig = funnel_figure(c)
    assert fig.axes[0].get_xlabel() == "EHC plans issued in 2024 (excluding exceptions)"
