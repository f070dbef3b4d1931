"""Appendix B's recode table: records per local value, under the rule of SPEC 7."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from sendreport.disclosure import suppress_quality
from sendreport.disclosure.recodes import suppress_recodes


def _quality(recoded: int, used: int) -> pd.DataFrame:
    return pd.DataFrame({
        "table": "requests", "file": "requests.csv",
        "column": ["", "request_outcome", "", ""],
        "rule": ["rows_read", "value_recoded", "rows_excluded", "rows_used"],
        "count": [used, recoded, 0, used],
    })


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=6),
       st.integers(min_value=5, max_value=10))
def test_no_withheld_recode_and_no_withheld_total_comes_back(counts, threshold):
    recodes = pd.DataFrame({"table": "requests", "column": "request_outcome",
                            "value": [f"local {i}" for i in range(len(counts))],
                            "canonical": "assess", "rows": counts})
    quality = _quality(sum(counts), 500)
    out = suppress_recodes(recodes, quality, threshold=threshold, audience="shared")
    shown = out["rows"].dropna()
    assert ((shown == 0) | (shown >= threshold)).all()
    hidden = [n for n, s in zip(counts, out["suppressed"], strict=True) if s]
    total_hidden = suppress_quality(quality, threshold=threshold, audience="internal").set_index(
        "rule").loc["value_recoded", "suppressed"]
    if total_hidden:
        # the withheld total of data_quality.csv is not the sum of published recodes
        assert hidden
    else:
        # beside a published total, the withheld recodes are none, or several whose sum is
        # not small (it is the total less the published ones)
        assert not hidden or (len(hidden) > 1 and sum(hidden) >= threshold)


def test_measures_are_not_children_and_internal_packs_keep_counts():
    recodes = pd.DataFrame({"table": ["measures", "requests", "requests"],
                            "column": ["unit", "request_outcome", "request_outcome"],
                            "value": ["percent", "Refused", "Agreed"],
                            "canonical": ["%", "not_assess", "assess"], "rows": [2, 3, 40]})
    quality = pd.concat([_quality(43, 100), _quality(2, 2).assign(
        table="measures", file="measures.csv", column=["", "unit", "", ""])])
    shared = suppress_recodes(recodes, quality)
    assert shared["rows"].tolist()[0] == 2
    assert shared["suppressed"].tolist() == [False, True, True]
    internal = suppress_recodes(recodes, quality, audience="internal")
    assert internal["rows"].tolist() == [2, 3, 40]
    assert internal["suppressed"].tolist() == [False, True, True]
