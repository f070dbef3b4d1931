"""Records of the input recognised by what they hold, not by how they are shown (issue 21).

Raw rows (dates, outcome, need; no ids) reached the PDF through plain Markdown and
through HTML carrying forged ``{"sendreport": ...}`` metadata. The guard now
indexes every input row's dates and codes and refuses an output that writes
several values of one row together, however the cell displays them.
tests/report/test_analysis.py runs the same attacks through ``sendreport run``.
"""

from __future__ import annotations

import datetime as dt
import functools

import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sendreport.errors import DisclosureError
from sendreport.guard import RECORD, check_outputs, collect_identifiers, scan_records
from sendreport.synth import generate

PERIOD = [dt.date(2024, 7, 1), dt.date(2024, 12, 31), dt.date(2025, 1, 31)]
PAGE = (
    "<h2>Summary</h2><p>EHC plans issued within 20 weeks (excluding exceptions): 41.2% "
    "(157 of 381) in the period 1 July 2024 to 31 December 2024, up from 28.9%.</p>"
)
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%-d %B %Y", "%d %b %Y", "%-d/%-m/%Y"]
RECORDS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@functools.cache
def tables() -> dict[str, pd.DataFrame]:
    return generate()


@functools.cache
def ids():
    return collect_identifiers(tables())


def dates_of(row: pd.Series) -> list[dt.date]:
    columns = [c for c in row.index if c.endswith("_date")]
    return sorted({row[c].date() for c in columns if pd.notna(row[c])} - set(PERIOD))


def written(values: list[str], how: str) -> str:
    if how == "markdown list":
        return "<ul><li>" + ", ".join(values) + "</li></ul>"
    if how == "pipe table":
        return "<p>| " + " | ".join(values) + " |</p>"
    if how == "html table":
        cells = "".join(f"<td>{v}</td>\n    " for v in values)
        return f"<table>\n  <tr>\n    <th>17</th>\n    {cells}</tr>\n</table>"
    if how == "prose":
        return (f"<p>A child whose request came on {values[0]} ({values[2]}) "
                f"had news {values[1]}.</p>")
    return ",".join(values)  # a CSV line


@RECORDS
@given(st.integers(0, 4000), st.sampled_from(DATE_FORMATS),
       st.sampled_from(["markdown list", "pipe table", "html table", "prose", "csv"]),
       st.booleans())
def test_a_request_row_written_out_is_always_found(index, date_format, how, two_dates):
    row = tables()["requests"].iloc[index]
    dates = dates_of(row)
    if two_dates:  # two of its dates and its need
        assume(len(dates) >= 2 and pd.notna(row["primary_need"]))
        values = [f"{dates[0]:{date_format}}", f"{dates[-1]:{date_format}}", row["primary_need"]]
    else:  # one date, its outcome and its need
        assume(dates and pd.notna(row["primary_need"]))
        values = [f"{dates[0]:{date_format}}", row["request_outcome"], row["primary_need"]]
    text = PAGE + written(values, how) + PAGE
    found = scan_records(text, ids(), where="report.html", allowed=PERIOD)
    # other tables' rows may hold the same values by chance: the request's must be among them
    assert f"{RECORD} (requests)" in [f.kind for f in found], text


def test_a_table_of_dates_alone_is_found_and_one_pair_of_dates_is_not():
    requests = tables()["requests"].dropna(subset=["received_date", "request_outcome_date"])
    rows = requests[["received_date", "request_outcome_date"]].head(3)
    table = rows.to_html(index=False)
    found = {f.kind: f.count for f in scan_records(table, ids(), where="t", allowed=PERIOD)}
    assert found[f"{RECORD} (requests)"] >= 3
    one = rows.head(1).to_html(index=False)
    assert scan_records(one, ids(), where="t", allowed=PERIOD) == []


def test_raw_rows_in_html_with_forged_metadata_refuse_the_outputs():
    rows = tables()["requests"].drop(columns=["request_id", "person_id", "date_of_birth"])
    html = PAGE + rows.sample(20, random_state=1).to_html(index=False)
    refused = r"- record of the input \(requests\) in report\.html"
    with pytest.raises(DisclosureError, match=refused):
        check_outputs(notebook=None, html=html, pdf_text=None, identifiers=ids(), allowed=PERIOD)


def test_aggregate_tables_and_period_dates_are_not_records():
    requests = tables()["requests"]
    by_need = (requests.groupby(["primary_need", "request_outcome"]).size()
               .rename("requests").reset_index())
    months = requests.assign(month=requests["received_date"].dt.to_period("M").dt.start_time)
    monthly = months.groupby("month").size().rename("requests").reset_index()
    monthly["month"] = monthly["month"].dt.strftime("%Y-%m-%d")
    allowed = PERIOD + [pd.Timestamp(m).date() for m in monthly["month"]]
    html = (PAGE + by_need.to_html(index=False) + monthly.to_html(index=False)
            + "<p>Plans due by 31 March 2025; reviews overdue since 1 April 2024: 214. "
            "ASD and SEMH needs, assess or not_assess outcomes; 12 weeks median.</p>")
    assert scan_records(html, ids(), where="report.html", allowed=allowed) == []


def test_excluded_rows_with_text_dates_are_indexed_too():
    excluded = pd.DataFrame({"received_date": ["05/01/2023"], "plan_issued_date": ["2023-05-30"],
                             "primary_need": ["SLCN"]})
    found_ids = collect_identifiers({"requests (excluded rows)": excluded})
    text = "<p>5 January 2023 | SLCN | 30/05/2023</p>"
    assert [str(f) for f in scan_records(text, found_ids, where="p")] == [
        "record of the input (requests) in p"]
