from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

GOOD_REQUEST = {
    "request_id": "R{i}",
    "person_id": "P{i}",
    "received_date": "2024-01-05",
    "request_outcome": "assess",
    "request_outcome_date": "2024-02-10",
    "assessment_outcome": "issue_plan",
    "assessment_outcome_date": "2024-05-01",
    "plan_issued_date": "2024-05-01",
    "exception_20wk": "false",
    "primary_need": "ASD",
    "date_of_birth": "2015-06-01",
}
GOOD_REVIEW = {
    "review_id": "V{i}",
    "person_id": "P{i}",
    "review_due_date": "2024-03-01",
    "review_meeting_date": "2024-02-20",
    "review_decision_date": "2024-03-05",
    "review_outcome": "maintain",
}
GOOD_REFERRAL = {
    "referral_id": "F{i}",
    "person_id": "P{i}",
    "service": "audiology",
    "referral_date": "2024-01-10",
    "first_contact_date": "2024-03-01",
    "removed_date": "",
}
GOOD_MEASURE = {
    "measure_id": "survey_{i}",
    "title": "Plan reflects needs {i}",
    "source": "parent carer survey",
    "date": "2024-03-31",
    "numerator": "30",
    "denominator": "90",
    "value": "",
    "unit": "%",
}
GOOD = {"requests": GOOD_REQUEST, "reviews": GOOD_REVIEW, "referrals": GOOD_REFERRAL,
        "measures": GOOD_MEASURE}


def rows(table: str, n: int, start: int = 1) -> list[dict[str, str]]:
    """Return ``n`` valid rows of ``table`` as text, ids numbered from ``start``."""
    return [{k: v.format(i=i) for k, v in GOOD[table].items()} for i in range(start, start + n)]


def write_csv(path: Path, records: list[dict[str, str]], *, columns=None,
              encoding: str = "utf-8") -> Path:
    """Write text records as CSV exactly as given (no quoting of plain cells)."""
    columns = list(columns or records[0])
    lines = [",".join(columns)] + [",".join(r.get(c, "") for c in columns) for r in records]
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def table_file(tmp: Path, table: str, bad: list[dict[str, str]] = (), n: int = 40) -> Path:
    """Write ``n`` valid rows then one row per ``bad`` override (file rows n+2, ...)."""
    records = rows(table, n)
    for j, override in enumerate(bad):
        records.append({**rows(table, 1, start=900 + j)[0], **override})
    return write_csv(tmp / f"{table}.csv", records)


@pytest.fixture
def corpus() -> SimpleNamespace:
    """Helpers that write synthetic input files."""
    return SimpleNamespace(rows=rows, write_csv=write_csv, table_file=table_file,
                           frame=lambda table, n: pd.DataFrame(rows(table, n)))
