"""The input tables of SPEC section 4 as data, and their pandera schemas.

Each table is a :class:`TableSpec`: its columns (kind, whether required, allowed
codes), the columns whose values must be unique, and the cross-column rules.
:func:`schema` turns a spec into a lazy pandera ``DataFrameSchema`` run on the
typed table; every rule is vectorised, so a million rows validate in about a
second.

Rule names (the ``rule`` column of ``data_quality.csv``):

``missing_value``
    a required column is empty in that row.
``invalid_date``, ``invalid_boolean``, ``invalid_number``, ``invalid_whole_number``
    a cell that cannot be read as the column's type.
``unknown_code``
    a code outside the allowed list (after whitespace, case and ``values:`` mapping).
``duplicate_id``
    rows that share an id but differ; every copy is excluded, since we cannot tell
    which is right. Exact copies of a row are not excluded: the first is kept and
    the rest are counted as ``duplicate_row``.
``impossible_date``
    a date outside ``EARLIEST_DATE`` to ``LATEST_DATE``: a placeholder such as
    ``9999-12-31`` or ``1900-01-01``, or a mistyped year; it would count as a
    wait of a century.
``before_<column>``
    a date earlier than the date it must follow (for example an outcome before the
    request was received).
``missing_outcome_date``, ``assessment_outcome_without_assess``, ``plan_without_issue_decision``
    the outcome rules of SPEC 4.1.
``title_differs``
    a measure whose rows do not all have the same title: every row of it is excluded.
``missing_value_and_numerator``, ``negative_number``, ``numerator_above_denominator``,
``zero_denominator``
    the measure value rules of SPEC 4.5 (``value`` is derived as a percentage,
    ``100 * numerator / denominator``, where it is missing).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd
import pandera.pandas as pa

from sendreport.validation.rules import Rule

Kind = Literal["id", "text", "code", "date", "bool", "int", "number"]

DTYPES: dict[str, str] = {
    "id": "str",
    "text": "str",
    "code": "str",
    "date": "datetime64[us]",
    "bool": "bool",
    "int": "Int64",
    "number": "float64",
}
"""The pandas dtype of each kind of column after loading."""

EARLIEST_DATE = pd.Timestamp("1980-01-01")
"""Earliest date any input date may hold (a child's date of birth included)."""
LATEST_DATE = pd.Timestamp("2099-12-31")
"""Latest date any input date may hold."""

SERVICES = (
    "speech_and_language_therapy",
    "community_paediatrics",
    "autism_assessment",
    "adhd_assessment",
    "occupational_therapy",
    "physiotherapy",
    "audiology",
    "equipment",
)
"""Canonical referral services (SPEC 4.3); other services are kept as written."""

PRIMARY_NEEDS = (
    "SPLD", "MLD", "SLD", "PMLD", "SEMH", "SLCN", "HI", "VI", "MSI", "PD", "ASD", "DS", "OTH",
)
"""SEN2 SENtype codes."""


@dataclass(frozen=True)
class ColumnSpec:
    """One canonical column: its kind, whether it is required and its codes.

    ``case`` is how code values are normalised: ``"lower"``, ``"upper"`` or
    ``"open"`` (known codes matched whatever their case, others kept as written).
    """

    kind: Kind
    required: bool = False
    codes: tuple[str, ...] | None = None
    case: Literal["lower", "upper", "open"] = "lower"
    default: bool = False
    """For a ``bool`` column: the value of an empty cell or an absent column."""

    @property
    def dtype(self) -> str:
        """The pandas dtype of the column after loading."""
        return DTYPES[self.kind]


@dataclass(frozen=True)
class RowRule:
    """A cross-column rule: ``passes(table)`` is True for rows that keep it."""

    name: str
    column: str
    passes: Callable[[pd.DataFrame], pd.Series]


@dataclass(frozen=True)
class TableSpec:
    """An input table: its columns, unique key and cross-column rules."""

    name: str
    columns: dict[str, ColumnSpec]
    key: tuple[str, ...]
    rules: tuple[RowRule, ...] = field(default=())

    @property
    def required(self) -> tuple[str, ...]:
        """Columns a file must have."""
        return tuple(c for c, s in self.columns.items() if s.required)


def _not_before(later: str, earlier: str) -> Callable[[pd.DataFrame], pd.Series]:
    def passes(df: pd.DataFrame) -> pd.Series:
        return ~(df[later] < df[earlier])

    return passes


def _outcome_date_present(df: pd.DataFrame) -> pd.Series:
    # only known outcomes other than ongoing need a date; unknown codes are reported once
    decided = df["request_outcome"].isin(["assess", "not_assess", "withdrawn"])
    return df["request_outcome_date"].notna() | ~decided


def _assessment_only_when_assess(df: pd.DataFrame) -> pd.Series:
    # an unknown request outcome is reported as unknown_code, not here as well
    other = df["request_outcome"].isin(["not_assess", "withdrawn", "ongoing"])
    return df["assessment_outcome"].isna() | ~other


def _assessment_date_present(df: pd.DataFrame) -> pd.Series:
    decided = df["assessment_outcome"].isin(["issue_plan", "not_issue_plan", "withdrawn"])
    dated = df["assessment_outcome_date"].notna() | df["plan_issued_date"].notna()
    return ~decided | dated


def _plan_only_when_issue(df: pd.DataFrame) -> pd.Series:
    outcome = df["assessment_outcome"]
    other = outcome.isin(["not_issue_plan", "withdrawn", "ongoing"]) | outcome.isna()
    return df["plan_issued_date"].isna() | ~other


def _value_or_fraction(df: pd.DataFrame) -> pd.Series:
    return df["value"].notna() | (df["numerator"].notna() & df["denominator"].notna())


def _fraction_in_range(df: pd.DataFrame) -> pd.Series:
    return ~(df["numerator"] > df["denominator"]).fillna(False)


def _denominator_not_zero(df: pd.DataFrame) -> pd.Series:
    return ~(df["denominator"].eq(0) & df["value"].isna()).fillna(False)


def _not_negative(column: str) -> Callable[[pd.DataFrame], pd.Series]:
    def passes(df: pd.DataFrame) -> pd.Series:
        return ~(df[column] < 0).fillna(False)

    return passes


def _title_consistent(df: pd.DataFrame) -> pd.Series:
    titles = df.groupby("measure_id", sort=False, dropna=False)["title"].transform("nunique")
    return titles.le(1)


REQUESTS = TableSpec(
    name="requests",
    columns={
        "request_id": ColumnSpec("id", required=True),
        "person_id": ColumnSpec("id", required=True),
        "received_date": ColumnSpec("date", required=True),
        "request_outcome": ColumnSpec(
            "code", required=True, codes=("assess", "not_assess", "withdrawn", "ongoing")
        ),
        "request_outcome_date": ColumnSpec("date"),
        "assessment_outcome": ColumnSpec(
            "code", codes=("issue_plan", "not_issue_plan", "withdrawn", "ongoing")
        ),
        "assessment_outcome_date": ColumnSpec("date"),
        "plan_issued_date": ColumnSpec("date"),
        "exception_20wk": ColumnSpec("bool"),
        "primary_need": ColumnSpec("code", codes=PRIMARY_NEEDS, case="upper"),
        "date_of_birth": ColumnSpec("date"),
    },
    key=("request_id",),
    rules=(
        RowRule(Rule.MISSING_OUTCOME_DATE, "request_outcome_date", _outcome_date_present),
        RowRule(Rule.BEFORE.of("received_date"), "request_outcome_date",
                _not_before("request_outcome_date", "received_date")),
        RowRule(Rule.ASSESSMENT_OUTCOME_WITHOUT_ASSESS, "assessment_outcome",
                _assessment_only_when_assess),
        RowRule(Rule.MISSING_OUTCOME_DATE, "assessment_outcome_date", _assessment_date_present),
        RowRule(Rule.BEFORE.of("request_outcome_date"), "assessment_outcome_date",
                _not_before("assessment_outcome_date", "request_outcome_date")),
        RowRule(Rule.PLAN_WITHOUT_ISSUE_DECISION, "plan_issued_date", _plan_only_when_issue),
        RowRule(Rule.BEFORE.of("received_date"), "plan_issued_date",
                _not_before("plan_issued_date", "received_date")),
    ),
)

REVIEWS = TableSpec(
    name="reviews",
    columns={
        "review_id": ColumnSpec("id", required=True),
        "person_id": ColumnSpec("id", required=True),
        "review_due_date": ColumnSpec("date", required=True),
        "review_meeting_date": ColumnSpec("date"),
        "review_decision_date": ColumnSpec("date"),
        "review_outcome": ColumnSpec("code", codes=("maintain", "amend", "cease")),
    },
    key=("review_id",),
    rules=(
        RowRule(Rule.BEFORE.of("meeting_date"), "review_decision_date",
                _not_before("review_decision_date", "review_meeting_date")),
    ),
)

REFERRALS = TableSpec(
    name="referrals",
    columns={
        "referral_id": ColumnSpec("id", required=True),
        "person_id": ColumnSpec("id", required=True),
        "service": ColumnSpec("code", required=True, codes=SERVICES, case="open"),
        "referral_date": ColumnSpec("date", required=True),
        "first_contact_date": ColumnSpec("date"),
        "removed_date": ColumnSpec("date"),
    },
    key=("referral_id",),
    rules=(
        RowRule(Rule.BEFORE.of("referral_date"), "first_contact_date",
                _not_before("first_contact_date", "referral_date")),
        RowRule(Rule.BEFORE.of("referral_date"), "removed_date",
                _not_before("removed_date", "referral_date")),
    ),
)

MEASURES = TableSpec(
    name="measures",
    columns={
        "measure_id": ColumnSpec("id", required=True),
        "title": ColumnSpec("text", required=True),
        "source": ColumnSpec("text"),
        "date": ColumnSpec("date", required=True),
        "numerator": ColumnSpec("int"),
        "denominator": ColumnSpec("int"),
        "value": ColumnSpec("number"),
        "unit": ColumnSpec("text", required=True),
        "kind": ColumnSpec("code", codes=("family_voice", "audit", "workforce", "other")),
        "people": ColumnSpec("bool", default=True),
        "invited": ColumnSpec("int"),
    },
    key=("measure_id", "date"),
    rules=(
        RowRule(Rule.TITLE_DIFFERS, "title", _title_consistent),
        RowRule(Rule.MISSING_VALUE_AND_NUMERATOR, "value", _value_or_fraction),
        RowRule(Rule.NEGATIVE_NUMBER, "numerator", _not_negative("numerator")),
        RowRule(Rule.NEGATIVE_NUMBER, "denominator", _not_negative("denominator")),
        RowRule(Rule.NEGATIVE_NUMBER, "invited", _not_negative("invited")),
        RowRule(Rule.NUMERATOR_ABOVE_DENOMINATOR, "numerator", _fraction_in_range),
        RowRule(Rule.ZERO_DENOMINATOR, "denominator", _denominator_not_zero),
    ),
)

TABLES: dict[str, TableSpec] = {t.name: t for t in (REQUESTS, REVIEWS, REFERRALS, MEASURES)}
"""Every input table, by the name used under ``data:`` in a params file."""

RULE_SEPARATOR = "|"


def schema(spec: TableSpec) -> pa.DataFrameSchema:
    """Return the pandera schema of a typed input table.

    Every check is named by its rule (``missing_value``, ``unknown_code``,
    ``duplicate_id``); cross-column checks are named ``"<column>|<rule>"`` so that a
    failure names the column it excludes. Each check reports one failure case
    only: the rows that fail are read from the check's boolean output, which
    keeps a table with many bad rows as fast to validate as a clean one.

    Parameters
    ----------
    spec
        The table, one of :data:`TABLES`.

    Returns
    -------
    pandera.pandas.DataFrameSchema
        Validate with ``lazy=True`` to collect every failed check.
    """
    columns = {}
    for name, col in spec.columns.items():
        checks = []
        if col.required:
            checks.append(pa.Check(_present, name=Rule.MISSING_VALUE, ignore_na=False,
                                   n_failure_cases=1))
        if col.codes is not None and col.case != "open":
            checks.append(pa.Check.isin(col.codes, name=Rule.UNKNOWN_CODE, n_failure_cases=1))
        if spec.key == (name,):
            checks.append(pa.Check(_unique, name=Rule.DUPLICATE_ID, n_failure_cases=1))
        if col.kind == "date":
            checks.append(pa.Check(_possible_date, name=Rule.IMPOSSIBLE_DATE, n_failure_cases=1))
        columns[name] = pa.Column(col.dtype, checks=checks, nullable=True)
    checks = [
        pa.Check(rule.passes, name=f"{rule.column}{RULE_SEPARATOR}{rule.name}",
                 n_failure_cases=1)
        for rule in spec.rules
    ]
    if len(spec.key) > 1:
        checks.append(pa.Check(lambda df: _unique(df[list(spec.key)]), n_failure_cases=1,
                               name=f"{spec.key[0]}{RULE_SEPARATOR}duplicate_id"))
    return pa.DataFrameSchema(columns, checks=checks, strict=True, ordered=True, name=spec.name)


def _possible_date(values: pd.Series) -> pd.Series:
    return values.isna() | values.between(EARLIEST_DATE, LATEST_DATE)


def _present(values: pd.Series) -> pd.Series:
    return values.notna()


def _unique(values: pd.Series | pd.DataFrame) -> pd.Series:
    """Return False for every row whose key value(s) another row shares."""
    return ~values.duplicated(keep=False)
