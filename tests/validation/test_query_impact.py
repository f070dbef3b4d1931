"""Records under query: counted once per table, with what excluding them would change."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sendreport.disclosure import suppress_quality
from sendreport.metrics.queried import (
    IMPACT_WITHHELD,
    UNDER_QUERY,
    queried_rows,
    query_impact,
    release_quality,
    under_query_summary,
    with_impact,
)


def referrals(open_by_one_child: int, others: int = 40) -> pd.DataFrame:
    """``others`` children with one open SaLT referral, one child with many."""
    n = others + open_by_one_child
    return pd.DataFrame({
        "referral_id": [f"F{i}" for i in range(n)],
        "person_id": [f"P{i}" for i in range(others)] + ["P999"] * open_by_one_child,
        "service": "speech_and_language_therapy",
        "referral_date": pd.Timestamp("2024-01-10") + pd.to_timedelta(np.arange(n) % 28, "D"),
        "first_contact_date": pd.NaT,
        "removed_date": pd.NaT,
    })


def released(frame: pd.DataFrame, audience: str = "shared", suppressed: bool = False):
    tables = {"referrals": frame}
    queried = queried_rows(tables)
    impact = query_impact(tables, queried, period_start="2024-01-01", period_end="2024-03-31")
    quality = pd.DataFrame({"table": "referrals", "file": "r.csv", "column": "person_id",
                            "rule": "query_many_records",
                            "count": [len(queried.get("referrals", []))]})
    quality = with_impact(quality, queried, impact)
    kpis = impact[["kpi_id", "service"]].assign(suppressed=suppressed)
    out = release_quality(quality, suppress_quality(quality, audience=audience), impact, kpis,
                          threshold=5, audience=audience)
    return out[out["rule"] == UNDER_QUERY].iloc[0]


def test_one_child_with_twenty_open_referrals_moves_the_waiting_list_by_twenty():
    row = released(referrals(20))
    assert row["count"] == 20
    assert "wait_list speech_and_language_therapy: 60 -> 40" in row["impact"].split("; ")


def test_an_impact_that_would_reveal_a_small_count_is_withheld():
    # 9 open referrals of one child are flagged (more than the 8 services), counted; but the
    # list without them would be 3 children, which the rule withholds
    row = released(referrals(9, others=3))
    assert row["count"] == 9
    assert "wait_list speech_and_language_therapy" not in row["impact"]
    assert IMPACT_WITHHELD in row["impact"]


def test_a_withheld_figure_is_never_in_the_impact():
    row = released(referrals(20), suppressed=True)
    assert "wait_list" not in row["impact"] and IMPACT_WITHHELD in row["impact"]


def test_the_internal_pack_shows_the_whole_impact():
    row = released(referrals(9, others=3), audience="internal")
    assert "wait_list speech_and_language_therapy: 12 -> 3" in row["impact"]


def test_a_record_flagged_by_two_rules_counts_once_and_the_run_says_so():
    frame = referrals(20)
    frame = pd.concat([frame, frame.iloc[[-1]].assign(referral_id="COPY")], ignore_index=True)
    queried = queried_rows({"referrals": frame})
    assert len(queried["referrals"]) == 21  # the copy is a duplicate and one of the many
    quality = with_impact(pd.DataFrame({"table": ["referrals"], "file": "r.csv", "column": "",
                                        "rule": "rows_read", "count": [len(frame)]}),
                          queried, pd.DataFrame(columns=["table"]))
    assert under_query_summary(quality).startswith(
        "Records under query, counted in every figure: referrals 21;")
