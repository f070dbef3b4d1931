"""The recode table of Appendix B: records per local value recoded, under the rule of SPEC 7.

``LoadedData.recodes`` counts, per table and column, the records each
``values:`` key (or ``split:`` key) recoded. Those are counts of children's
records, so before a shared pack prints them they pass the same rule as
``data_quality.csv`` (:func:`~sendreport.disclosure.rule.is_small`), and the
same complementary suppression (:func:`~sendreport.disclosure.rule.protect_lines`):

- a column's recodes add up to its ``value_recoded`` row of
  ``data_quality.csv``, withheld or not as that file withholds it
  (:func:`~sendreport.disclosure.release.suppress_quality`), so no withheld
  recode count comes back from that total, and a withheld total does not come
  back from its recodes;
- a ``split:`` column's keys add up to the records holding a listed value,
  taken as if published (it may be worked out from rows read and the rules),
  so the same holds there.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sendreport.disclosure.release import NOT_PEOPLE_TABLES, suppress_quality
from sendreport.disclosure.rule import (
    as_numbers,
    blank,
    check_audience,
    check_threshold,
    is_small,
    protect_lines,
)
from sendreport.validation.rules import Rule

RECODED = Rule.VALUE_RECODED
"""The ``data_quality.csv`` rule a column's recodes add up to."""


def suppress_recodes(recodes: pd.DataFrame, quality: pd.DataFrame, *, threshold: int = 5,
                     audience: str = "shared") -> pd.DataFrame:
    """Apply the disclosure rule to the records each local value recoded.

    Parameters
    ----------
    recodes
        ``LoadedData.recodes``: ``table, column, value, canonical, rows``.
    quality
        ``LoadedData.quality`` as loaded (before suppression): the totals the
        recodes add up to, and whether ``data_quality.csv`` withholds them.
    threshold, audience
        As for :func:`~sendreport.disclosure.release.suppress_quality`.

    Returns
    -------
    pandas.DataFrame
        ``recodes`` with a boolean ``suppressed`` column; for the ``shared``
        and ``families`` audiences withheld counts are missing.

    Examples
    --------
    >>> q = pd.DataFrame({"table": "requests", "file": "r.csv",
    ...     "column": ["", "request_outcome", "", "", ""],
    ...     "rule": ["rows_read", "value_recoded", "rows_excluded", "rows_used", "blank_row"],
    ...     "count": [100, 43, 0, 100, 0]})
    >>> r = pd.DataFrame({"table": "requests", "column": "request_outcome",
    ...     "value": ["Refused", "Agreed", "Lapsed"], "canonical": ["not_assess", "assess",
    ...     "withdrawn"], "rows": [30, 10, 3]})
    >>> suppress_recodes(r, q)["rows"].tolist()
    [30, <NA>, <NA>]
    """
    check_audience(audience)
    check_threshold(threshold)
    out = recodes.reset_index(drop=True)
    if out.empty:
        return out.assign(suppressed=pd.Series(dtype=bool))
    rows = as_numbers(out["rows"])
    people = ~out["table"].isin(list(NOT_PEOPLE_TABLES)).to_numpy(dtype=bool)
    withheld = suppress_quality(quality, threshold=threshold, audience="internal")
    recoded = withheld[withheld["rule"] == RECODED].set_index(["table", "column"])["suppressed"]
    values = list(rows)
    flags = list(people & is_small(rows, threshold))
    lines = []
    for key, part in out.groupby(["table", "column"], sort=False):
        members = [int(i) for i in part.index]
        values.append(float(rows[members].sum()))
        flags.append(bool(recoded.get(key, False)) and bool(people[members[0]]))
        lines.append((members, len(values) - 1))
    values_array, flags_array = np.array(values, dtype=float), np.array(flags, dtype=bool)
    protect_lines(values_array, flags_array, lines, threshold)
    flag = flags_array[: len(out)] & people
    if audience == "internal":
        return out.assign(suppressed=flag)
    return out.assign(rows=blank(out["rows"], flag), suppressed=flag)
