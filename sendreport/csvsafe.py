"""CSV outputs that are safe to open in a spreadsheet, and free-text codes worth a second look.

Free-text codes (a referral ``service``, a measure's ``unit``) reach
``kpis.csv`` and ``kpi_series.csv`` as they are written in the export. A cell
that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return) is
run as a formula when the file is opened in Excel or LibreOffice:
``=HYPERLINK(...)`` sends data away, ``+cmd|...`` starts programs. As OWASP
recommends (CSV Injection), :func:`neutralise` puts a single quote before such a
cell, so the spreadsheet shows it as text. Numbers are never changed: ``-3.5``
in a number column stays a number.

:func:`suspicious_codes` tells ``validate`` which free-text codes look like a
formula or a person's name, so the analyst can fix the export or map them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
"""First characters that make a spreadsheet read a cell as a formula (with full-width forms)."""

SERVICE_WORDS = frozenset(
    """
    therapy therapies therapist assessment assessments pathway pathways service services team
    teams clinic clinics centre center paediatrics pediatrics paediatric community audiology
    physiotherapy physio occupational speech language health hearing vision equipment autism
    adhd neurodevelopmental development developmental school schools nursing nurse mental
    wellbeing support hub unit sensory continence dietetics nutrition orthoptics psychology
    camhs salt ot pt disability disabilities children young people adult adults family families
    early years north south east west central county city local borough district area
    survey audit parent carer carers forum return workforce staff quality plan plans review
    """.split()
)
"""Words of service and place names: a value holding one of them does not look like a name."""

_NAME_WORD = re.compile(
    r"(?:O['\u2019]|Mc|Mac)?[A-Z][a-z]+(?:['\u2019-](?:O['\u2019]|Mc)?[A-Z]?[a-z]+)*"
)


def neutralise(value: object) -> object:
    """Return ``value`` with a leading single quote if a spreadsheet would read it as a formula.

    Only text is changed; numbers, dates and missing values are returned as they are.

    Examples
    --------
    >>> neutralise("=HYPERLINK(A1)"), neutralise("@SUM(A1)"), neutralise("audiology")
    ("'=HYPERLINK(A1)", "'@SUM(A1)", 'audiology')
    >>> neutralise(-3.5), neutralise("-")
    (-3.5, "'-")
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_for_spreadsheets(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``frame`` whose text cells cannot start a formula (see :func:`neutralise`).

    Columns of numbers, booleans and dates are left alone, so figures keep their
    exact values; column names are neutralised too.

    Examples
    --------
    >>> df = pd.DataFrame({"service": ["+cmd|' /C calc'!A0", "audiology"], "value": [-1.5, 2.0]})
    >>> safe_for_spreadsheets(df)["service"].tolist()
    ["'+cmd|' /C calc'!A0", 'audiology']
    >>> safe_for_spreadsheets(df)["value"].tolist()
    [-1.5, 2.0]
    """
    out = frame.copy()
    for position, dtype in enumerate(out.dtypes):
        if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
            column = out.iloc[:, position]
            starts = column.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_STARTS))
            if starts.any():
                out.isetitem(position, column.map(neutralise).astype(column.dtype))
    out.columns = [neutralise(c) for c in out.columns]
    return out


def looks_like_formula(value: str) -> bool:
    """Return whether a spreadsheet would read ``value`` as a formula.

    Examples
    --------
    >>> looks_like_formula("=1+1"), looks_like_formula("speech_and_language_therapy")
    (True, False)
    """
    return isinstance(value, str) and value.strip(" ").startswith(FORMULA_STARTS)


def looks_like_name(value: str) -> bool:
    """Return whether a free-text code looks like a person's name rather than a service.

    Two to four words, each capitalised like a name (``Amelia``, ``O'Neil``,
    ``Smith-Jones``), none of them a word of service or place names.

    Examples
    --------
    >>> looks_like_name("Amelia Smith"), looks_like_name("Jack O'Neil-Brown")
    (True, True)
    >>> looks_like_name("Speech Therapy"), looks_like_name("ASD pathway"), looks_like_name("Amelia")
    (False, False, False)
    """
    if not isinstance(value, str):
        return False
    words = value.replace(",", " ").split()
    if not 2 <= len(words) <= 4:
        return False
    if any(w.casefold().strip("'\u2019") in SERVICE_WORDS for w in words):
        return False
    return all(_NAME_WORD.fullmatch(w) for w in words)


def suspicious_codes(values: Iterable[object]) -> dict[str, int]:
    """Count the distinct free-text codes that look like a formula or a name.

    Parameters
    ----------
    values
        The values of a free-text code column (such as ``service``).

    Returns
    -------
    dict
        ``{"formula": n, "name": m}`` for the kinds found (never the values: a
        name is personal data).

    Examples
    --------
    >>> suspicious_codes(["audiology", "=HYPERLINK(1)", "@SUM(A1)", "Amelia Smith", None])
    {'formula': 2, 'name': 1}
    """
    found = {"formula": 0, "name": 0}
    for value in {v for v in values if isinstance(v, str)}:
        if looks_like_formula(value):
            found["formula"] += 1
        elif looks_like_name(value):
            found["name"] += 1
    return {kind: n for kind, n in found.items() if n}


FREE_TEXT_CODES = {"referrals": ("service",), "measures": ("source", "unit")}
"""Columns whose values are written as the export has them and can reach the outputs."""


def free_text_problems(tables: dict[str, pd.DataFrame | None]) -> list[str]:
    """One line per free-text code column holding values that look like formulas or names.

    Values are never shown (a name is personal data); the outputs quote
    formula-like values as text whatever happens.

    Examples
    --------
    >>> referrals = pd.DataFrame({"service": ["audiology", "=1+1", "Amelia Smith"]})
    >>> free_text_problems({"referrals": referrals})[0].split(" (")[0]
    'referrals.service: 1 value looks like a spreadsheet formula, 1 value looks like a name'
    """
    lines = []
    words = {"formula": "like a spreadsheet formula", "name": "like a name"}
    for table, columns in FREE_TEXT_CODES.items():
        frame = tables.get(table)
        for column in columns:
            if frame is None or column not in frame:
                continue
            found = suspicious_codes(frame[column].dropna())
            if found:
                parts = ", ".join(
                    f"{n} value{' looks' if n == 1 else 's look'} {words[kind]}"
                    for kind, n in found.items()
                )
                lines.append(
                    f"{table}.{column}: {parts} (values not shown); correct the export or map "
                    f"them under values: {table}: {column}"
                )
    return lines


__all__ = [
    "FORMULA_STARTS",
    "FREE_TEXT_CODES",
    "free_text_problems",
    "looks_like_formula",
    "looks_like_name",
    "neutralise",
    "safe_for_spreadsheets",
    "suspicious_codes",
]
