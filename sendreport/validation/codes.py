"""Local codes: matching ``values:`` keys, and naming the values that matched nothing.

Codes are not personal data (SPEC 4): when a code column holds values that are
neither canonical nor mapped, the messages name them, the most frequent first,
with their counts and the canonical codes they could map to. A ``service``
that is not canonical still counts, under its own name, and is reported.

Two ways a mapping that looks right can miss:

- YAML reads unquoted ``Yes``, ``No``, ``On``, ``Off`` (and, in YAML 1.1, ``Y``
  and ``N``) as booleans, so ``values: {requests: {request_outcome: {Yes: assess}}}``
  arrives with the key ``True``. :func:`boolean_keys` maps such a key back to
  the one word of that meaning the column holds; when it holds several (``Yes``
  and ``Y``), which was meant cannot be known and the analyst is asked to quote
  the key.
- Exports write en dashes where people type hyphens, and curly apostrophes
  where people type straight ones: keys and values are matched with every
  dash read as a hyphen and every apostrophe as a straight one (:func:`fold`),
  as well as whatever their surrounding whitespace and case.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd

from sendreport.vocabulary import YAML_FALSE_WORDS, YAML_TRUE_WORDS

SHOWN = 10
"""How many unmatched values a message names (the most frequent)."""

_DASHES = re.compile("[\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d]")
_APOSTROPHES = re.compile("[\u2018\u2019\u201a\u201b\u02bc\u2032\u00b4\u0060\uff07]")
_SPACES = re.compile(r"\s+")


def fold(value: object) -> str:
    """The form in which codes and ``values:`` keys are compared.

    Surrounding whitespace and case are ignored, runs of whitespace count as
    one space, every dash counts as a hyphen and every apostrophe (curly,
    modifier letter, prime, backtick) as a straight one.

    Examples
    --------
    >>> fold("  SaLT \u2013 Community ") == fold("salt - community")
    True
    >>> fold("Children\u2019s Physio") == fold("children's physio")
    True
    """
    text = _APOSTROPHES.sub("'", _DASHES.sub("-", str(value)))
    return _SPACES.sub(" ", text).strip().casefold()


def boolean_keys(recode: Mapping, values: pd.Series, where: str) -> tuple[dict, list[str]]:
    """Turn boolean keys of a ``values:`` mapping back into the words the column holds.

    Parameters
    ----------
    recode
        The mapping as YAML read it (keys may be ``True`` or ``False``).
    values
        The column's cleaned cells, as text.
    where
        The mapping's place in the params file, for messages (``values.requests.x``).

    Returns
    -------
    tuple
        The mapping with text keys only, and one problem line per boolean key
        whose word cannot be known.

    Examples
    --------
    >>> col = pd.Series(["Yes", "No", "yes", None])
    >>> boolean_keys({True: "assess", False: "not_assess"}, col, "values.requests.x")
    ({'yes': 'assess', 'no': 'not_assess'}, [])
    >>> print(boolean_keys({True: "assess"}, pd.Series(["Yes", "Y"]), "values.requests.x")[1][0])
    ... # doctest: +NORMALIZE_WHITESPACE
    values.requests.x: the key Yes was read by YAML as true (an unquoted Yes, On or Y); the
    column holds 'Y' and 'Yes', so quote the key you meant, as 'Yes': assess (rule: boolean_key)
    """
    out: dict = {}
    problems: list[str] = []
    texts = {k for k in recode if not isinstance(k, bool)}
    folded = {fold(k) for k in texts}
    present: dict[str, list[str]] = {}
    for cell in pd.unique(values.dropna()):
        present.setdefault(fold(cell), []).append(str(cell))
    for key, target in recode.items():
        if not isinstance(key, bool):
            out[key] = target
            continue
        words = YAML_TRUE_WORDS if key else YAML_FALSE_WORDS
        found = [w for w in words if w in present and w not in folded]
        if len(found) == 1:
            out[found[0]] = target
        elif len(found) > 1:
            held = " and ".join(sorted(repr(v) for w in found for v in present[w][:1]))
            first = present[found[0]][0]
            problems.append(
                f"{where}: the key {'Yes' if key else 'No'} was read by YAML as "
                f"{str(key).lower()} (an unquoted {'Yes, On or Y' if key else 'No, Off or N'}); "
                f"the column holds {held}, so quote the key you meant, as "
                f"'{first}': {target} (rule: boolean_key)"
            )
    return out, problems


def value_counts(values: pd.Series) -> list[tuple[str, int]]:
    """``(value, rows)`` of the non-empty cells, the most frequent first, then by value.

    Examples
    --------
    >>> value_counts(pd.Series(["b", "a", "b", None]))
    [('b', 2), ('a', 1)]
    """
    counts = values.dropna().astype("str").value_counts()
    return sorted(((str(v), int(n)) for v, n in counts.items()), key=lambda p: (-p[1], p[0]))


def describe_values(counts: list[tuple[str, int]], limit: int = SHOWN) -> str:
    """Name values with their row counts, the most frequent first.

    Examples
    --------
    >>> describe_values([("Refused", 60), ("NFA", 3)])
    "'Refused' (60 rows), 'NFA' (3 rows)"
    >>> describe_values([("a", 3), ("b", 2), ("c", 1)], limit=2)
    "'a' (3 rows), 'b' (2 rows) and 1 more value (1 row)"

    A value that looks like a person's name or a spreadsheet formula is counted,
    not shown (codes are not personal data, but such a value may be):

    >>> describe_values([("SaLT", 9), ("Amelia Smith", 2)])
    "'SaLT' (9 rows) and 1 value not shown: it looks like a name or a formula (2 rows)"
    """
    from sendreport.csvsafe import looks_like_formula, looks_like_name

    hidden = [(v, n) for v, n in counts if looks_like_name(str(v)) or looks_like_formula(str(v))]
    counts = [(v, n) for v, n in counts if (v, n) not in hidden]
    shown = ", ".join(f"{v!r} ({_rows(n)})" for v, n in counts[:limit])
    if hidden:
        one = len(hidden) == 1
        values, look = ("1 value", "it looks") if one else (f"{len(hidden)} values", "they look")
        shown += (" and " if shown else "") + (
            f"{values} not shown: {look} like a name or a formula"
            f" ({_rows(sum(n for _, n in hidden))})"
        )
    rest = counts[limit:]
    if rest:
        more = "value" if len(rest) == 1 else "values"
        shown += f" and {len(rest)} more {more} ({_rows(sum(n for _, n in rest))})"
    return shown


def _rows(n: int) -> str:
    return f"{n:,} row" if n == 1 else f"{n:,} rows"


def unmatched_message(table: str, column: str, counts: list[tuple[str, int]],
                      codes: tuple[str, ...]) -> str:
    """The line naming a column's unmatched values and the codes they could map to.

    Examples
    --------
    >>> print(unmatched_message("requests", "request_outcome", [("Refused", 60)],
    ...                         ("assess", "not_assess")))  # doctest: +NORMALIZE_WHITESPACE
    column request_outcome holds values that are neither canonical nor mapped: 'Refused'
    (60 rows); canonical codes: assess, not_assess; map them under values:
    {requests: {request_outcome: {LOCAL: CODE}}}
    """
    return (
        f"column {column} holds values that are neither canonical nor mapped: "
        f"{describe_values(counts)}; canonical codes: {', '.join(codes)}; map them under "
        f"values: {{{table}: {{{column}: {{LOCAL: CODE}}}}}}"
    )
