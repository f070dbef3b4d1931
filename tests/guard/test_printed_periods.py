"""A period the pack prints on purpose is not a leaked date of birth.

A withheld figure's reason names the period it protects ("protects a group of
1 to 4 within ehcp_20wk_incl for 2022-01-01 to 2022-12-31"). The first day of
a calendar year is somebody's birthday in any area of a few thousand children:
the guard refused whole packs for it (2 of 153 generated areas). Synthetic
area 105 of ``sendreport synth --areas 153`` (seed 2026 + 104) is one.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest
import yaml

from sendreport.params import read_params
from sendreport.run.pipeline import run_report
from sendreport.synth.areas import write_areas


@pytest.fixture(scope="module")
def area(tmp_path_factory):
    out = tmp_path_factory.mktemp("area-105")
    params = write_areas(out, 1, seed=2026 + 104)[0]
    return params


def test_the_reasons_period_that_is_a_childs_birthday_does_not_refuse_the_pack(area, tmp_path):
    requests = pd.read_csv(area.parent.parent / "areas" / "area-1" / "requests.csv")
    births = set(requests["date_of_birth"].dropna())
    result = run_report(area, output_dir=tmp_path, pdf=False)  # was refused, exit 3
    series = (result.output_folder / "kpi_series.csv").read_text(encoding="utf-8")
    periods = re.findall(r"for (\d{4}-\d{2}-\d{2}) to (\d{4}-\d{2}-\d{2})", series)
    printed = {day for period in periods for day in period}
    # the premise: a period printed in a reason starts on a child's date of birth
    assert "2022-01-01" in printed & births


def test_printed_dates_are_the_pack_s_periods_and_no_other_day(area):
    from sendreport.pack import Pack

    params = read_params(area)
    pack = Pack.from_params(params)
    dates = pack.printed_dates()
    raw = yaml.safe_load(area.read_text(encoding="utf-8"))
    assert dt.date.fromisoformat(raw["baseline_period_start"]) in dates
    assert dt.date.fromisoformat(raw["previous_period_end"]) in dates
    assert dt.date(2024, 1, 1) in dates  # the last stocktake's period starts there
    for year in pack.benchmark_years():
        assert {dt.date(year, 1, 1), dt.date(year, 12, 31)} <= dates
    # period bounds only: first days of months, or last days of months
    assert all(d.day == 1 or (d + dt.timedelta(days=1)).day == 1 for d in dates)
