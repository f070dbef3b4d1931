"""Disclosure control (SPEC 7): small-number suppression of tables, and of a run's release.

:mod:`~sendreport.disclosure.rule` holds the rule itself (which figure is
small, and which sums would give a withheld one back); everything else asks it.
:mod:`~sendreport.disclosure.cells` suppresses one table at a time (primary
and secondary suppression against its totals);
:mod:`~sendreport.disclosure.release` runs one pass over everything a run
publishes, so that no withheld figure comes back from sums and differences of
the figures published anywhere in the release.
"""

from sendreport.disclosure.cells import (
    AUDIENCES,
    KPI_COLUMNS,
    NOT_ABOUT_CHILDREN,
    NOT_APPLICABLE,
    NOT_AVAILABLE,
    SERIES_COLUMNS,
    SUPPRESSED,
    suppress,
    suppress_kpis,
    suppress_series,
)
from sendreport.disclosure.release import (
    QUARTER_SHARE,
    Release,
    disclose_release,
    suppress_quality,
)

__all__ = [
    "AUDIENCES",
    "KPI_COLUMNS",
    "NOT_ABOUT_CHILDREN",
    "NOT_APPLICABLE",
    "NOT_AVAILABLE",
    "QUARTER_SHARE",
    "SERIES_COLUMNS",
    "SUPPRESSED",
    "Release",
    "disclose_release",
    "suppress",
    "suppress_kpis",
    "suppress_quality",
    "suppress_series",
]
