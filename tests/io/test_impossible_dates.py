"""Impossible dates are refused by validation (issue 11): placeholders are not real waits."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from sendreport.validation import load_data

ROOT = Path(__file__).resolve().parents[2]
HEADER = "referral_id,person_id,service,referral_date,first_contact_date,removed_date\n"


def referrals(tmp_path: Path, bad: list[str], n_good: int = 60) -> Path:
    lines = [f"F{i:04d},P{i:04d},audiology,2024-0{1 + i % 6}-03,2024-08-01," for i in range(n_good)]
    lines += bad
    path = tmp_path / "referrals.csv"
    path.write_text(HEADER + "\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("X1,P9,audiology,1900-01-01,,", "referral_date"),
        ("X1,P9,audiology,9999-12-31,,", "referral_date"),
        ("X1,P9,audiology,2024-01-01,9999-12-31,", "first_contact_date"),
        ("X1,P9,audiology,2024-01-01,,2150-06-30", "removed_date"),
    ],
)
def test_an_impossible_date_excludes_its_row_and_names_the_rule(tmp_path, row, column):
    loaded = load_data({"referrals": referrals(tmp_path, [row])})
    table = loaded.tables["referrals"]
    assert "X1" not in set(table["referral_id"]) and len(table) == 60
    quality = loaded.quality
    hit = quality[(quality["rule"] == "impossible_date") & (quality["column"] == column)]
    assert hit["count"].tolist() == [1]
    assert table["referral_date"].min() >= pd.Timestamp("2024-01-01")


def test_validate_names_file_column_and_rule_for_a_1900_referral(tmp_path):
    referrals(tmp_path, ["X1,P9,audiology,1900-01-01,,"])
    (tmp_path / "params.yaml").write_text(
        textwrap.dedent(
            f"""\
            notebook: {ROOT / "notebooks" / "stocktake.ipynb"}
            area_name: Testshire
            period_start: 2024-01-01
            period_end: 2024-06-30
            plan: {ROOT / "params" / "plans" / "demoshire-pap.yaml"}
            data:
              referrals: referrals.csv
            """
        )
    )
    result = subprocess.run(
        [Path(sys.executable).parent / "sendreport", "validate", tmp_path / "params.yaml"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = result.stdout + result.stderr
    assert "Traceback" not in out
    line = next(ln for ln in out.splitlines() if "impossible_date" in ln)
    assert "referral_date" in line and "62" in line  # the file row of the bad referral


def test_a_file_of_placeholder_dates_is_refused_with_exit_2(tmp_path):
    bad = [f"X{i},P9,audiology,9999-12-31,," for i in range(10)]
    path = referrals(tmp_path, bad, n_good=10)
    from sendreport.errors import DataValidationError

    with pytest.raises(DataValidationError, match="impossible_date") as info:
        load_data({"referrals": path})
    assert info.value.exit_code == 2
