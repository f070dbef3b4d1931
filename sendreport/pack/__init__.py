"""The pack a notebook shows: figures, sections and the tables beside them.

Running a notebook (executing, printing, the guard, the manifest) is
:mod:`sendreport.run`; this package imports nothing from it. A runner uses the
pack only through the names here: :func:`build_for_run` (the pack it hands to
the kernel), :func:`annex_html` (the confidential annex it prints),
:func:`series_months` (the months the pack's series print, which the privacy
guard lets through as dates) and :func:`report_cell_problems` (``report`` cells
whose figures would be printed without alt text).
"""

from __future__ import annotations

import datetime as dt

from sendreport.pack.annex import annex_html
from sendreport.pack.cells import report_cell_problems
from sendreport.pack.pack import Pack, series_start
from sendreport.params import Params


def build_for_run(params: Params, loaded) -> Pack:
    """Build the pack a runner hands to its kernel, from the tables the runner validated.

    Parameters
    ----------
    params
        The run's params.
    loaded
        ``sendreport.validation.load_data``'s result for ``params.data``.

    Returns
    -------
    Pack
        What ``Pack.from_parameters`` returns in the kernel for the same params.

    Raises
    ------
    SendReportError
        A plan or data problem; the kernel meets it again and reports it in its cell.
    """
    return Pack.from_params(params, loaded=loaded)


def warm() -> None:
    """Do now what a process's first pack does once: templates compiled, chart fonts loaded.

    A batch worker's fork server (:mod:`sendreport.run.forkserver`) calls this
    before it forks any kernel, so no kernel does it again. A pack built
    without it is the same pack, a little later.
    """
    from sendreport.charts.icons import compile_templates as compile_icons
    from sendreport.charts.theme import load_fonts
    from sendreport.pack.templating import compile_templates

    compile_templates()
    compile_icons()
    load_fonts()


def series_months(params: Params) -> frozenset[dt.date]:
    """First days of the months the pack's monthly series print (``kpi_series.csv``).

    Examples
    --------
    >>> p = Params.model_construct(baseline_period_start=dt.date(2024, 1, 1),
    ...                            period_end=dt.date(2024, 3, 31))
    >>> sorted(series_months(p))
    [datetime.date(2024, 1, 1), datetime.date(2024, 2, 1), datetime.date(2024, 3, 1)]
    """
    import pandas as pd

    months = pd.date_range(series_start(params), params.period_end, freq="MS")
    return frozenset(m.date() for m in months)


__all__ = [
    "Pack", "annex_html", "build_for_run", "report_cell_problems", "series_months", "warm",
]
