"""The words the whole package shares: each decided once, imported by every user.

Service names, dates, the true/false words an input may hold, the directions
of improvement and how a KPI value is printed. A second copy of any of these
drifts from the first (a page says "01 July 2024" and the next "1 July 2024");
so there is none.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

__all__ = [
    "FALSE_WORDS",
    "IMPROVEMENTS",
    "TRUE_WORDS",
    "YAML_FALSE_WORDS",
    "YAML_TRUE_WORDS",
    "Improvement",
    "as_printed",
    "format_value",
    "is_missing",
    "printed_change",
    "long_date",
    "read_long_date",
    "service_in_sentence",
    "service_name",
    "short_date",
]

# ----- directions of improvement ----------------------------------------------------

Improvement = Literal["increase", "decrease", "neutral"]
"""Which way a KPI improves: up, down, or neither (no target direction)."""

IMPROVEMENTS: tuple[Improvement, ...] = ("increase", "decrease", "neutral")
"""The values of :data:`Improvement`, in the order messages list them."""

# ----- true and false words -----------------------------------------------------------

TRUE_WORDS = frozenset({"true", "yes", "y", "1", "t"})
"""What a yes/no column of an input may hold for yes (compared case-folded, stripped)."""

FALSE_WORDS = frozenset({"false", "no", "n", "0", "f"})
"""What a yes/no column of an input may hold for no (compared case-folded, stripped)."""

YAML_TRUE_WORDS = ("true", "yes", "y", "on")
YAML_FALSE_WORDS = ("false", "no", "n", "off")
"""The words YAML may have read as a boolean key (``Yes: assess`` in a recode map).

Not the words an input column may hold: these are what YAML 1.1 turns into
``True`` or ``False`` before the package sees them.
"""

# ----- services ---------------------------------------------------------------------------

_ACRONYMS = {"adhd": "ADHD"}


def service_in_sentence(service: str) -> str:
    """A service code in words, for the middle of a sentence.

    Examples
    --------
    >>> service_in_sentence("speech_and_language_therapy")
    'speech and language therapy'
    >>> service_in_sentence("adhd_assessment")
    'ADHD assessment'
    """
    words = service.replace("_", " ").strip().split(" ")
    return " ".join(_ACRONYMS.get(w.casefold(), w) for w in words)


def service_name(service: str) -> str:
    """A service code in words, starting with a capital: a label, a table heading.

    Examples
    --------
    >>> service_name("speech_and_language_therapy")
    'Speech and language therapy'
    >>> service_name("adhd_assessment"), service_name("community_paediatrics")
    ('ADHD assessment', 'Community paediatrics')
    """
    words = service_in_sentence(service)
    return words[:1].upper() + words[1:]


# ----- dates ------------------------------------------------------------------------------


def long_date(day: dt.date | None) -> str:
    """A date as the report prints it in text: the day without a leading zero.

    Examples
    --------
    >>> long_date(dt.date(2024, 7, 1)), long_date(dt.date(2024, 6, 30)), long_date(None)
    ('1 July 2024', '30 June 2024', '')
    """
    return "" if day is None else f"{day.day} {day:%B %Y}"


def read_long_date(text: str) -> dt.date | None:
    """The date a text written as :func:`long_date` writes it names (``None``: it names none).

    Examples
    --------
    >>> read_long_date("1 July 2024"), read_long_date("31 February 2025"), read_long_date("July")
    (datetime.date(2024, 7, 1), None, None)
    """
    try:
        return dt.datetime.strptime(text.strip(), "%d %B %Y").date()
    except ValueError:
        return None


def short_date(day: dt.date) -> str:
    """A date in a column heading, where space is short: the month abbreviated.

    Examples
    --------
    >>> short_date(dt.date(2024, 6, 30)), short_date(dt.date(2024, 7, 1))
    ('30 Jun 2024', '1 Jul 2024')
    """
    return f"{day.day} {day:%b %Y}"


# ----- values -------------------------------------------------------------------------------


def is_missing(value: object) -> bool:
    """Whether ``value`` is missing (None, NaN, NA or NaT).

    Examples
    --------
    >>> import pandas as pd
    >>> [is_missing(v) for v in (None, float("nan"), pd.NA, pd.NaT, 0, "c")]
    [True, True, True, True, False, False]
    """
    import pandas as pd  # here: plan and params files are read without pandas

    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


def _round(value: float, places: int) -> Decimal:
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def format_value(
    value: object,
    unit: str,
    *,
    exact: bool = False,
    suppressed: bool = False,
    missing: str = "x",
) -> str:
    """A KPI value as the pack prints it, in tables, charts and sentences alike.

    Percentages and weeks to 1 decimal place (half away from zero, as DfE
    rounds), counts whole with thousands separators, other units as numbers
    followed by the unit. A value not shown takes DfE's symbol (SPEC 7): ``c``
    withheld, ``x`` not available, ``z`` not applicable, ``not supplied`` for a
    comparator that exists but was not given.

    Parameters
    ----------
    value
        The number (percentages as 0-100).
    unit
        ``"%"``, ``"count"``, ``"weeks"``, ``"days"`` or other text.
    exact
        Keep a plan's own figure as written (``60`` stays ``60%``), for targets.
    suppressed
        Show ``c`` instead of the value.
    missing
        Symbol for a missing value: ``"x"`` not available, ``"z"`` not applicable or
        ``"not supplied"`` (a comparator not given); words in a sentence.

    Examples
    --------
    >>> format_value(46.25, "%"), format_value(60, "%", exact=True), format_value(1234, "count")
    ('46.3%', '60%', '1,234')
    >>> format_value(18.0714, "weeks"), format_value(1.0, "weeks"), format_value(23.9, "FTE")
    ('18.1 weeks', '1.0 week', '23.9 FTE')
    >>> format_value(float("nan"), "%"), format_value(None, "%", missing="z")
    ('x', 'z')
    >>> format_value(None, "%", missing="not supplied")
    'not supplied'

    >>> format_value(3, "count", suppressed=True)
    'c'
    """
    if suppressed:
        return "c"
    if is_missing(value) or (isinstance(value, float) and math.isnan(value)):
        return missing
    number = float(value)  # type: ignore[arg-type]
    if exact and number == int(number):
        text = f"{int(number):,}"
    elif exact:
        text = f"{number:,.10g}"
    elif unit == "count":
        text = f"{_round(number, 0):,}"
    else:
        text = f"{_round(number, 1):,}"
    if unit == "%":
        return f"{text}%"
    if unit == "count":
        return text
    if unit == "weeks":
        return f"{text} week" if text == "1.0" else f"{text} weeks"
    return f"{text} {unit}".rstrip()


def printed_change(then: float, now: float, unit: str) -> float:
    """``now - then`` as the two printed figures give it, each rounded first.

    Each figure is rounded as :func:`format_value` prints it, so a change
    printed beside them always agrees with them. The one rule for every
    change the pack prints next to its figures (the demand panel, the
    scorecard's change since the last stocktake, the material changes).

    Examples
    --------
    >>> printed_change(223.5, 514, "count")  # printed 224 and 514
    290.0
    >>> printed_change(12.44, 7.36, "%")  # printed 12.4% and 7.4%: 5.0 points, not 5.1
    -5.0
    """
    return float(Decimal(repr(as_printed(now, unit))) - Decimal(repr(as_printed(then, unit))))


def as_printed(value: float, unit: str) -> float:
    """``value`` rounded as :func:`format_value` prints it (counts whole, others 1 place).

    Examples
    --------
    >>> as_printed(223.5, "count"), as_printed(12.44, "%"), as_printed(18.05, "weeks")
    (224.0, 12.4, 18.1)
    """
    return float(_round(value, 0 if unit == "count" else 1))
