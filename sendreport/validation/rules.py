"""The rules ``data_quality.csv`` counts, as one Enum: a typo cannot invent a new rule.

Each member's value is the name the ``rule`` column of ``data_quality.csv``
gives (a :class:`enum.StrEnum`, so the CSV holds the same text as before).
Four rules are families named with a detail: ``before_<column>``,
``non_canonical_<column>``, ``query_<check>`` and ``left_out: <reason>``;
:meth:`Rule.of` names one, :meth:`Rule.holds` tells whether a name belongs
to the family. What each rule means is in :mod:`sendreport.validation.schemas`.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Rule"]


class Rule(StrEnum):
    """A rule of ``data_quality.csv``.

    Examples
    --------
    >>> Rule.ROWS_READ == "rows_read", f"{Rule.BLANK_ROW}"
    (True, 'blank_row')
    >>> Rule.BEFORE.of("received_date"), Rule.LEFT_OUT.of("moved away")
    ('before_received_date', 'left_out: moved away')
    >>> Rule.NON_CANONICAL.holds("non_canonical_service"), Rule.QUERY.holds("rows_used")
    (True, False)
    >>> Rule.QUERY.holds(Rule.QUERY_LONG_DURATION)
    True
    """

    # the counts every table has
    ROWS_READ = "rows_read"
    ROWS_EXCLUDED = "rows_excluded"
    ROWS_USED = "rows_used"
    BLANK_ROW = "blank_row"
    DUPLICATE_ROW = "duplicate_row"
    # a row excluded: a cell that cannot be used
    MISSING_VALUE = "missing_value"
    INVALID_DATE = "invalid_date"
    INVALID_BOOLEAN = "invalid_boolean"
    INVALID_NUMBER = "invalid_number"
    INVALID_WHOLE_NUMBER = "invalid_whole_number"
    UNKNOWN_CODE = "unknown_code"
    DUPLICATE_ID = "duplicate_id"
    IMPOSSIBLE_DATE = "impossible_date"
    # a row excluded: the outcome and measure rules of SPEC 4.1 and 4.5
    MISSING_OUTCOME_DATE = "missing_outcome_date"
    ASSESSMENT_OUTCOME_WITHOUT_ASSESS = "assessment_outcome_without_assess"
    PLAN_WITHOUT_ISSUE_DECISION = "plan_without_issue_decision"
    TITLE_DIFFERS = "title_differs"
    MISSING_VALUE_AND_NUMERATOR = "missing_value_and_numerator"
    NEGATIVE_NUMBER = "negative_number"
    NUMERATOR_ABOVE_DENOMINATOR = "numerator_above_denominator"
    ZERO_DENOMINATOR = "zero_denominator"
    # information: the row is kept
    VALUE_NORMALISED = "value_normalised"
    VALUE_RECODED = "value_recoded"
    ENCODING_WINDOWS_1252 = "encoding_windows_1252"
    LEFT_OUT_ID_NOT_FOUND = "left_out_id_not_found"
    UNRECOGNISED_TAG = "unrecognised_tag"
    # a SEN2 return's notes (sendreport.sen2.tables)
    HISTORICAL_CHAIN = "historical_chain"
    HISTORICAL_WITH_ACTIVITY_DATES = "historical_with_activity_dates"
    REFUSAL_OVERTURNED = "refusal_overturned"
    PLAN_NOT_YET_ISSUED = "plan_not_yet_issued"
    EXPORTED_TO_ANOTHER_LA = "exported_to_another_la"
    WITHDRAWN_WITHOUT_DATE = "withdrawn_without_date"
    REPEATED_ELEMENT = "repeated_element"
    TWO_PLANS_AT_ONCE = "two_plans_at_once"
    # queries: counted for the analyst, the row is kept
    QUERY_DUPLICATE = "query_duplicate"
    QUERY_MANY_RECORDS = "query_many_records"
    QUERY_LONG_DURATION = "query_long_duration"
    QUERY_BEFORE_COVERAGE = "query_before_coverage"
    # families, named with a detail by Rule.of
    BEFORE = "before_"
    NON_CANONICAL = "non_canonical_"
    QUERY = "query_"
    LEFT_OUT = "left_out: "

    def of(self, detail: str) -> str:
        """The rule of this family for ``detail`` (a column, a reason)."""
        if self not in _FAMILIES:
            raise ValueError(f"{self.name} is one rule, not a family named with a detail")
        return f"{self.value}{detail}"

    def holds(self, name: str) -> bool:
        """Whether the rule ``name`` (as ``data_quality.csv`` gives it) is this family's."""
        if self not in _FAMILIES:
            raise ValueError(f"{self.name} is one rule, not a family named with a detail")
        return str(name).startswith(self.value)


_FAMILIES = (Rule.BEFORE, Rule.NON_CANONICAL, Rule.QUERY, Rule.LEFT_OUT)
