"""What the report's sections and findings read from a built pack.

:class:`sendreport.pack.pack.Pack` and its :class:`~sendreport.pack.pack.KPIView`
satisfy these protocols. ``sections/`` and ``findings.py`` are written against
them, so they never import ``pack.py``: the pack calls the sections, never the
other way round.
"""

from __future__ import annotations

from typing import Any, Protocol

import pandas as pd

from sendreport.pack.kpifacts import Figure, KPIFact
from sendreport.params import Params
from sendreport.plan import Action, Plan, PlanKPI, PriorityArea


class KPIFacts(Protocol):
    """One plan KPI as the pack reads it: numbers, series, SPC reading, headline."""

    area: PriorityArea
    plan_kpi: PlanKPI
    name: str
    unit: str
    improvement: str
    row: pd.Series | None
    series: pd.DataFrame | None
    variation: str | None
    assurance: str | None
    england: tuple[float, int] | None
    headline: str
    fact: KPIFact
    """Every figure of the KPI, computed once: the one source of what the pack prints."""

    @property
    def anchor(self) -> str:
        """HTML id of the KPI's chart."""
        ...

    @property
    def suppressed(self) -> bool:
        """True when the latest value is suppressed in this pack."""
        ...

    @property
    def previous_suppressed(self) -> bool:
        """True when the last stocktake's value is suppressed in this pack."""
        ...

    def value(self, column: str) -> Any:
        """A column of the KPI's row in ``kpis.csv`` (``None`` when absent)."""
        ...


class PackFacts(Protocol):
    """A built pack: params, plan, validated tables, KPIs and one view per plan KPI."""

    params: Params
    plan: Plan
    tables: dict[str, pd.DataFrame]
    quality: pd.DataFrame
    recodes: pd.DataFrame | None
    kpis: pd.DataFrame
    series: pd.DataFrame
    chs: pd.DataFrame | None

    @property
    def views(self) -> list[KPIFacts]:
        """One :class:`KPIFacts` per plan KPI, in plan order."""
        ...

    @property
    def measure_titles(self) -> dict[str, tuple[str, str, str]]:
        """``measure_id -> (title, unit, source)`` from the ``measures`` table."""
        ...

    @property
    def family_voice(self) -> frozenset[str]:
        """Measures of kind ``family_voice``: the only ones that count as what families told us."""
        ...

    def survey_note(self, view: KPIFacts) -> str:
        """Responses (and response rate) of a family survey measure, or ``""``."""
        ...

    def benchmark_years(self) -> list[int]:
        """Calendar years the data cover in full, for the area's own DfE-style figures."""
        ...

    def year_figure(self, year: int, kpi_id: str) -> tuple[float | None, bool]:
        """``(value, withheld)`` of a KPI over a calendar year, as the pack publishes it."""
        ...

    def year_coverage(self, year: int) -> int:
        """Calendar months of ``year`` the ``requests`` data cover in full (0 to 12)."""
        ...

    def views_for(self, area: PriorityArea) -> list[KPIFacts]:
        """The plan KPIs of one priority area."""
        ...

    def action_views(self, action: Action) -> list[KPIFacts]:
        """The :class:`KPIFacts` an action's ``kpis`` entries name (SPEC 4.4)."""
        ...

    def trajectory_value(self, view: KPIFacts) -> float | None:
        """The trajectory's planned value at ``period_end`` (``None``: no trajectory)."""
        ...

    def on_trajectory(self, view: KPIFacts) -> str:
        """``"on trajectory"``, ``"off trajectory"`` or ``"no trajectory"``."""
        ...

    def interventions_for(self, kpi_id: str, service: str = "") -> list[Any]:
        """The plan's interventions that name a KPI (drawn on its chart only)."""
        ...

    def progress_values(self, view: KPIFacts) -> dict[str, Figure]:
        """Baseline, last stocktake and latest :class:`~.kpifacts.Figure`, labelled by date."""
        ...

    def planned_against_actual(self, area: PriorityArea) -> list[tuple[KPIFacts, list[Any]]]:
        """``(view, milestone checks)`` for each KPI of the area with a trajectory."""
        ...

    def wait_services(self) -> list[str]:
        """Every referral service in ``kpis.csv``."""
        ...

    def kpi_row(self, kpi_id: str, service: str = "") -> pd.Series | None:
        """The row of ``kpis.csv`` for a KPI and service (``None`` when absent)."""
        ...

    def kpi_figure(self, kpi_id: str, service: str = "", *, count: bool = False) -> Figure:
        """The latest :class:`~.kpifacts.Figure` of any KPI and service (``count``: its count)."""
        ...

    def any_fact(self, kpi_id: str, service: str = "") -> KPIFact:
        """The :class:`~.kpifacts.KPIFact` of any KPI and service, named by the plan or not."""
        ...

    def health_comparators(self, service: str) -> list[Any]:
        """NHS England CHS comparators (:class:`sendreport.chs.Comparator`) for a service."""
        ...

    def missing_trajectories(self, area: PriorityArea) -> list[KPIFacts]:
        """KPIs of the area with a target but no trajectory."""
        ...
