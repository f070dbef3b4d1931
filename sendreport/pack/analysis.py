"""An analyst's own notebook: its params, its validated tables and a title page.

The stocktake pack has :class:`~sendreport.pack.pack.Pack`; an analysis
notebook starts with :meth:`Analysis.from_parameters` and then prints what it
finds from cells tagged ``report`` (:mod:`sendreport.pack.cells`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sendreport.params import Params, parse_params

__all__ = ["Analysis"]


@dataclass
class Analysis:
    """The params and validated tables of an analysis notebook.

    Attributes
    ----------
    params
        The validated params.
    tables
        Validated tables by name, as ``sendreport run`` counts them.
    quality
        Data quality counts (rows read and excluded, by rule).

    Examples
    --------
    In a notebook, ``Analysis.from_parameters(globals(), title=...)`` builds it;
    here by hand, for a breakdown of the period's EHC plans by primary need:

    >>> import datetime as dt
    >>> requests = pd.DataFrame({
    ...     "received_date": pd.to_datetime(["2024-07-01", "2024-07-01"]),
    ...     "plan_issued_date": pd.to_datetime(["2024-09-02", "2024-12-02"]),
    ...     "primary_need": ["ASD", "SEMH"]})
    >>> params = Params.model_construct(period_start=dt.date(2024, 7, 1),
    ...     period_end=dt.date(2024, 12, 31), previous_period_end=None,
    ...     data_from={"requests": dt.date(2023, 1, 1)})
    >>> a = Analysis(params=params, tables={"requests": requests}, quality=pd.DataFrame())
    >>> a.breakdown("primary_need", kpis=["ehcp_20wk_excl"])[["primary_need", "value"]]
      primary_need  value
    0          ASD  100.0
    1         SEMH    0.0
    """

    params: Params
    tables: dict[str, pd.DataFrame]
    quality: pd.DataFrame

    @classmethod
    def from_parameters(
        cls, namespace: Mapping[str, Any], *, title: str, base_dir: str | Path | None = None
    ) -> Analysis:
        r"""Load the analysis from a notebook's parameters and print its title page.

        Parameters
        ----------
        namespace
            A mapping holding the params keys, usually ``globals()``.
        title
            What the analysis is about; the params file's ``title`` wins when given.
        base_dir
            Folder relative paths resolve against; by default the params file's folder
            in a ``sendreport run`` kernel, else the working folder
            (:func:`sendreport.handoff.params_folder`).

        Returns
        -------
        Analysis
            The params and validated tables.

        Examples
        --------
        >>> import tempfile
        >>> from sendreport.synth import write_synthetic
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = write_synthetic(folder, seed=3)
        >>> _ = (folder / "plan.yaml").write_text(
        ...     "title: Plan\ntype: priority_action_plan\npriority_areas: []\n")
        >>> _ = (folder / "a.ipynb").write_text("{}")
        >>> a = Analysis.from_parameters(
        ...     {"notebook": "a.ipynb", "area_name": "Demoshire", "plan": "plan.yaml",
        ...      "period_start": "2024-07-01", "period_end": "2024-12-31",
        ...      "data": {"referrals": "referrals.csv"}},
        ...     title="Waiting lists", base_dir=folder)
        <IPython.core.display.HTML object>
        <IPython.core.display.HTML object>
        >>> sorted(a.tables)
        ['referrals']
        >>> from sendreport.pack.cells import declare_run
        >>> declare_run(threshold=None, audience=None)  # this process serves no run
        """
        from sendreport.handoff import handed_over, params_folder
        from sendreport.inputs import load_inputs
        from sendreport.pack.cells import declare_run

        raw = {k: namespace[k] for k in Params.model_fields if k in namespace}
        base = params_folder() if base_dir is None else Path(base_dir).resolve()
        params = parse_params(raw, base_dir=base, source="notebook parameters")
        # Run by ``sendreport run``: the runner has validated the tables already.
        loaded = handed_over()
        if loaded is None:
            loaded = load_inputs(params)
        analysis = cls(params=params, tables=dict(loaded.tables), quality=loaded.quality)
        # show_table prints with the run's rule, whatever a call passes (SPEC 7)
        declare_run(threshold=params.suppression_threshold, audience=params.audience)
        analysis._show_title(params.title or title)
        return analysis

    def breakdown(self, by: str, *, kpis: Sequence[str] | None = None) -> pd.DataFrame:
        """KPIs of the params' period for each value of a column (:func:`kpi_breakdown`).

        Parameters
        ----------
        by
            A column of one table, or ``age_band``.
        kpis
            KPI ids to keep.

        Returns
        -------
        pandas.DataFrame
            ``by`` then the ``kpis.csv`` columns; not suppressed.
        """
        from sendreport.metrics.breakdown import kpi_breakdown

        p = self.params
        return kpi_breakdown(self.tables, by, kpis=kpis, period_start=p.period_start,
                             period_end=p.period_end, previous_period_end=p.previous_period_end,
                             data_from=p.data_from)

    def _show_title(self, title: str) -> None:
        from sendreport.pack.display import declare_document, show
        from sendreport.pack.sections import period_label
        from sendreport.pack.templating import render
        from sendreport.vocabulary import long_date

        p = self.params
        declare_document(
            title=f"{p.area_name}: {title}",
            classification=p.classification,
            running_head=f"{p.area_name}: {title}",
            author=p.author,
        )
        rows = [
            ("Period", period_label(p.period_start, p.period_end)),
            ("Data extract", long_date(p.effective_reference_date)),
        ]
        if p.author:
            rows.append(("Prepared by", p.author))
        show(render("cover.html.j2", kicker="Analysis", area_name=p.area_name, plan_title=title,
                    rows=rows, marking=p.classification), role="cover")
