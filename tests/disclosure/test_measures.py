"""Measures say what they count (SPEC 4.5): ``kind``, ``people`` and ``invited``."""

from __future__ import annotations

import textwrap

import pandas as pd

from sendreport.disclosure import disclose_release
from sendreport.metrics import compute_kpis, kpi_series
from sendreport.metrics.measures import measure_facts
from sendreport.validation import load_data

MEASURES_CSV = textwrap.dedent(
    """\
    measure_id,title,source,date,numerator,denominator,value,unit,kind,people,invited
    survey,Plan reflects needs,parent carer survey,2024-12-15,30,60,,%,family_voice,,180
    vacancies,EP vacancies,workforce return,2024-12-31,,,2,count,Workforce,no,
    audit,Plans rated good,multi-agency audit,2024-12-31,3,40,,%,audit,yes,
    other,Something else,return,2024-12-31,,,3,count,,,
    """
)


def test_kind_and_people_load_with_their_defaults(tmp_path):
    path = tmp_path / "measures.csv"
    path.write_text(MEASURES_CSV, encoding="utf-8")
    m = load_data({"measures": path}).tables["measures"]
    facts = measure_facts(m)
    assert facts["kind"].to_dict() == {
        "audit": "audit", "other": "other", "survey": "family_voice", "vacancies": "workforce"
    }
    # an empty cell means the figure counts people; "no" means it does not
    assert facts["people"].to_dict() == {
        "audit": True, "other": True, "survey": True, "vacancies": False
    }
    assert m.set_index("measure_id")["invited"].astype("Float64").to_dict()["survey"] == 180


def test_an_unknown_kind_is_excluded_and_counted(tmp_path):
    path = tmp_path / "measures.csv"
    path.write_text(MEASURES_CSV.replace("Workforce", "staffing"), encoding="utf-8")
    loaded = load_data({"measures": path}, max_excluded_share=1.0)
    q = loaded.quality
    assert ((q["column"] == "kind") & (q["rule"] == "unknown_code")).any()
    assert "vacancies" not in set(loaded.tables["measures"]["measure_id"])


def test_counts_of_no_people_are_never_suppressed_and_counts_of_people_are(tmp_path):
    path = tmp_path / "measures.csv"
    path.write_text(MEASURES_CSV, encoding="utf-8")
    tables = load_data({"measures": path}).tables
    kpis = compute_kpis(tables, period_start="2024-07-01", period_end="2024-12-31")
    series = kpi_series(tables, start="2024-07-01", end="2024-12-31")
    facts = measure_facts(tables["measures"])
    r = disclose_release(kpis, series, not_people=set(facts.index[~facts["people"]]))
    k = r.kpis.set_index("kpi_id")
    assert k.loc["vacancies", "value"] == 2 and not k.loc["vacancies", "suppressed"]
    assert k.loc["other", "suppressed"] and pd.isna(k.loc["other", "value"])  # 3 people
    assert k.loc["audit", "suppressed"]  # 3 of 40: a numerator below the threshold
    assert not k.loc["survey", "suppressed"] and k.loc["survey", "value"] == 50


def test_small_counts_of_an_analysts_exclusion_reasons_are_suppressed_with_their_total():
    from sendreport.disclosure import suppress_quality

    q = pd.DataFrame({
        "table": "requests", "file": "r.csv", "column": ["", "request_id", "request_id",
                                                        "received_date", "", ""],
        "rule": ["rows_read", "left_out: moved away", "left_out: test record", "invalid_date",
                 "rows_excluded", "rows_used"],
        "count": [120, 2, 10, 1, 1, 107],
    })
    out = suppress_quality(q)
    # read minus excluded minus used is the reasons' total (12): it no longer splits into 2;
    # the unreadable date is a record of a child (1), and rows excluded would give it back
    assert out["rule"].tolist() == ["rows_read", "left_out: other reasons", "invalid_date",
                                    "rows_excluded", "rows_used"]
    assert out["count"].isna().tolist() == [False, True, True, True, False]
    assert out["suppressed"].tolist() == [False, True, True, True, False]
    internal = suppress_quality(q, audience="internal")
    assert internal["count"].tolist() == q["count"].tolist() and internal["suppressed"].any()
