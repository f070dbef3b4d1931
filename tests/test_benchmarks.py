from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sendreport.benchmarks import (
    DFE_COLUMNS,
    dfe_benchmark,
    dfe_credit,
    gap_in_points,
    load_dfe_timeliness,
    tidy_dfe_timeliness,
)
from sendreport.errors import DataValidationError, ParameterError

KEYS = ["time_period", "geographic_level", "region_name", "new_la_code", "old_la_code", "la_name"]
NEW = [
    "plans_issued_den",
    "plans_issued_within_20_weeks",
    "pc_plans_issued_within_20_weeks",
    "plans_issued_den_ex",
    "plans_issued_20_weeks_ex",
    "PC_plans_issued_20_weeks_ex",
]
OLD = [
    "TotIncExcEHC",
    "IncExc20weekEHC",
    "IncExc20weekRate",
    "TotNoExcEHC",
    "NoExc20weekEHC",
    "NoExc20weekRate",
]


def release(columns: list[str], rows: list[list]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=KEYS + columns).astype(str)


PERIODS = ("calendar year 2023", "calendar year 2024", "2024-07-01 to 2024-12-31")


def test_tidy_combines_releases_and_turns_x_and_z_into_missing():
    new = release(
        NEW,
        [
            [
                "2024",
                "Local authority",
                "South West",
                "E06000059",
                "838",
                "Dorset",
                "585",
                "287",
                "49.1",
                "0",
                "0",
                "x",
            ],
            [
                "2024",
                "National",
                "",
                "",
                "",
                "",
                "90392",
                "41448",
                "45.9",
                "84866",
                "39407",
                "46.4",
            ],
            [
                "2021",
                "National",
                "",
                "",
                "",
                "",
                "61269",
                "35470",
                "57.9",
                "57196",
                "34249",
                "59.9",
            ],
        ],
    )
    old = release(
        OLD,
        [
            ["2021", "National", "", "", "", "", "1", "1", "100", "1", "1", "100"],  # superseded
            [
                "2019",
                "Local authority",
                "South West",
                "E06000053",
                "420",
                "Isles of Scilly",
                "0",
                "0",
                "z",
                "0",
                "0",
                "z",
            ],
            [
                "2019",
                "Regional",
                "South West",
                "",
                "",
                "",
                "5979",
                "3426",
                "57.300000000000",
                "5702",
                "3312",
                "58.1",
            ],
        ],
    )
    out = tidy_dfe_timeliness(new, old)
    assert tuple(out.columns) == DFE_COLUMNS
    assert out[["year", "geographic_level"]].values.tolist() == [
        [2019, "Regional"],
        [2019, "Local authority"],
        [2021, "National"],
        [2024, "National"],
        [2024, "Local authority"],
    ]
    assert out.loc[0, "pct_incl"] == 57.3
    assert pd.isna(out.loc[1, "pct_excl"]) and out.loc[1, "plans_issued"] == 0
    assert out.loc[2, "plans_issued"] == 61269  # 2021 from the newer release
    assert pd.isna(out.loc[4, "pct_excl"]) and out.loc[4, "pct_incl"] == 49.1
    assert pd.isna(out.loc[3, "la_code"]) and out.loc[4, "old_la_code"] == "838"
    assert str(out["plans_issued"].dtype) == "Int64"


def test_tidy_names_every_missing_column():
    new = release(NEW, []).drop(columns=["plans_issued_den", "new_la_code"])
    with pytest.raises(
        DataValidationError,
        match="release_2025 requires missing columns: new_la_code, plans_issued_den",
    ):
        tidy_dfe_timeliness(new, release(OLD, []))


def test_package_data_covers_2014_to_2024_at_every_level():
    dfe = load_dfe_timeliness()
    assert tuple(dfe.columns) == DFE_COLUMNS
    assert sorted(dfe["year"].unique().tolist()) == list(range(2014, 2025))
    per_year = dfe.pivot_table(
        index="year", columns="geographic_level", values="la_name", aggfunc="size"
    )
    assert (per_year["National"] == 1).all()
    assert (per_year["Regional"] == 9).all()
    assert (per_year["Local authority"] >= 150).all()
    england = dfe[dfe["geographic_level"] == "National"].set_index("year")
    assert england.loc[2023, ["within_20wk_excl", "plans_issued_excl", "pct_excl"]].tolist() == [
        38471,
        76506,
        50.3,
    ]
    assert england.loc[2024, ["within_20wk_excl", "plans_issued_excl", "pct_excl"]].tolist() == [
        39407,
        84866,
        46.4,
    ]
    # the published percentages agree with the counts (to DfE's half-up rounding)
    has = dfe.dropna(subset=["pct_excl"])
    recomputed = 100 * has["within_20wk_excl"] / has["plans_issued_excl"]
    assert ((recomputed - has["pct_excl"]).abs() <= 0.05 + 1e-9).all()


def test_load_returns_a_fresh_copy():
    a = load_dfe_timeliness()
    a.loc[0, "plans_issued"] = -1
    assert load_dfe_timeliness().loc[0, "plans_issued"] != -1


def test_benchmark_england_region_and_la_by_either_code():
    by_new = dfe_benchmark(la_code="E06000032", year=2024)
    by_old = dfe_benchmark(la_code="821", year=2024)
    pd.testing.assert_frame_equal(by_new, by_old)
    assert by_new[["area", "geographic_level", "pct_excl"]].values.tolist() == [
        ["England", "National", 46.4],
        ["East of England", "Regional", 39.6],
        ["Luton", "Local authority", 27.1],
    ]


def test_benchmark_england_only_and_every_year():
    out = dfe_benchmark()
    assert out["area"].unique().tolist() == ["England"]
    assert out["year"].tolist() == list(range(2014, 2025))
    luton = dfe_benchmark(la_code="E06000032")
    assert len(luton) == 33 and set(luton["area"]) == {"England", "East of England", "Luton"}


def test_benchmark_errors_name_the_argument():
    with pytest.raises(
        ParameterError, match="la_code must be a local authority code .* not 'E99999999'"
    ):
        dfe_benchmark(la_code="E99999999")
    with pytest.raises(ParameterError, match="year must be one of 2014-2024 .* not 2030"):
        dfe_benchmark(year=2030)


def test_credit_line():
    assert dfe_credit(2024) == (
        "Source: Department for Education, Education, health and care plans (SEN2), 2024; "
        "Open Government Licence v3.0"
    )
    assert "2014-2024" in dfe_credit()


@given(st.floats(0, 100), st.floats(0, 100), st.sampled_from(PERIODS), st.sampled_from(PERIODS))
def test_a_gap_in_points_is_only_between_the_same_months(value, england, period, other):
    """SPEC 5: a stocktake's six months are never set against England's calendar year."""
    gap = gap_in_points(value, period, england, other)
    if period == other:
        assert gap == pytest.approx(value - england)
    else:
        assert gap is None
