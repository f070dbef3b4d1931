"""The stocktake pack: everything the notebook shows, computed once from the params.

In the notebook, one line builds it from the injected parameters::

    pack = Pack.from_parameters(globals())

and each section is then one call (``pack.show_cover()``, ...).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from sendreport.csvsafe import safe_for_spreadsheets
from sendreport.metrics.compute import KPI_COLUMNS
from sendreport.pack.kpifacts import Figure, KPIFact, Status, kpi_fact, meets, row_figure
from sendreport.params import Params, parse_params
from sendreport.plan import Action, Intervention, Plan, PlanKPI, PriorityArea, load_plan, plan_as_at
from sendreport.vocabulary import service_name, short_date

KPIS_COLUMNS = (
    *(c for c in KPI_COLUMNS if c not in ("lower_ci", "upper_ci")),
    "suppressed",
)
"""The columns of ``kpis.csv`` in SPEC order; others (confidence intervals, reasons) follow."""

SERIES_MONTHS_BEFORE = 24
"""Months of history charted before the period when no baseline period is given."""


@dataclass(frozen=True)
class KPIView:
    """What the pack says about one plan KPI: its numbers, series and SPC reading.

    Built once with the pack and never changed; every figure it prints is in
    :attr:`fact`.
    """

    area: PriorityArea
    plan_kpi: PlanKPI
    name: str
    unit: str
    improvement: str
    row: pd.Series | None
    series: pd.DataFrame | None
    variation: str | None = None
    assurance: str | None = None
    england: tuple[float, int] | None = None
    headline: str = ""
    internal: bool = False
    fact: KPIFact | None = None
    """Every figure of the KPI, computed once (:mod:`sendreport.pack.kpifacts`)."""

    @property
    def key(self) -> tuple[str, str]:
        """``(kpi_id, service)``."""
        return (self.plan_kpi.id, self.plan_kpi.service or "")

    @property
    def anchor(self) -> str:
        """HTML id of the KPI's chart."""
        return "kpi-" + "-".join(p for p in self.key if p).replace("_", "-")

    def value(self, column: str) -> Any:
        """A column of the KPI's row in ``kpis.csv`` (``None`` when absent)."""
        if self.row is None or column not in self.row.index:
            return None
        return self.row[column]

    @property
    def suppressed(self) -> bool:
        """True when the latest value is suppressed in this pack."""
        return bool(self.value("suppressed")) and not self.internal

    @property
    def previous_suppressed(self) -> bool:
        """True when the last stocktake's value is suppressed in this pack."""
        return bool(self.value("previous_suppressed")) and not self.internal


@dataclass(frozen=True)
class MilestoneCheck:
    """A trajectory milestone against the figure for the period ending on its date."""

    date: dt.date
    planned: float
    actual: float | None
    suppressed: bool
    status: str
    """``on trajectory``, ``off trajectory``, ``not yet due``, ``suppressed``,
    ``not available`` or ``no direction``."""


@dataclass(frozen=True)
class Pack:
    r"""A stocktake pack's data: params, plan, validated tables, KPIs and SPC series.

    Built once by :meth:`from_params` (every figure disclosed, every KPI's facts
    frozen in its view) and never changed after: sections, the verdict, the
    findings and the CSVs read the same figures. Assigning to a built pack
    raises ``dataclasses.FrozenInstanceError``; :func:`dataclasses.replace`
    makes a new one.

    Examples
    --------
    >>> import tempfile
    >>> from sendreport.synth import write_synthetic
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = write_synthetic(folder, seed=3)
    >>> _ = (folder / "stocktake.ipynb").write_text("{}")
    >>> _ = (folder / "plan.yaml").write_text(
    ...     "title: SEND PAP\ntype: priority_action_plan\npriority_areas:\n"
    ...     "  - {id: PA1, title: Timely plans, what_we_will_do: Recruit,\n"
    ...     "     what_will_be_different: Plans on time, kpis: [{id: ehcp_20wk_excl}]}\n")
    >>> pack = Pack.from_parameters(
    ...     {"notebook": "stocktake.ipynb", "area_name": "Demoshire", "plan": "plan.yaml",
    ...      "period_start": "2024-07-01", "period_end": "2024-12-31",
    ...      "data": {"requests": "requests.csv"}}, base_dir=folder)
    >>> [v.plan_kpi.id for v in pack.views]
    ['ehcp_20wk_excl']
    >>> "ehcp_20wk_excl" in set(pack.kpis["kpi_id"])
    True
    >>> pack.kpis = None
    Traceback (most recent call last):
    dataclasses.FrozenInstanceError: cannot assign to field 'kpis'
    """

    params: Params
    plan: Plan
    tables: dict[str, pd.DataFrame]
    quality: pd.DataFrame
    kpis: pd.DataFrame
    series: pd.DataFrame
    views: tuple[KPIView, ...] = ()
    chs: pd.DataFrame | None = None
    """The ``benchmarks`` file: NHS England's CHS waiting lists (``None``: not given)."""
    years: dict[str, pd.DataFrame] = field(default_factory=dict)
    """Further periods the pack prints (calendar years, milestone periods), suppressed."""
    recodes: pd.DataFrame | None = None
    """Records each ``values:``/``split:`` key recoded (``LoadedData.recodes``), suppressed."""

    @classmethod
    def from_parameters(
        cls, namespace: Mapping[str, Any], *, base_dir: str | Path | None = None
    ) -> Pack:
        """Build the pack from a notebook's parameters (its ``globals()``).

        Parameters
        ----------
        namespace
            A mapping holding the params keys (other names are ignored).
        base_dir
            Folder relative paths resolve against; by default the params file's folder
            in a ``sendreport run`` kernel, else the working folder
            (:func:`sendreport.handoff.params_folder`).

        Returns
        -------
        Pack
            Validated inputs with KPIs, series, SPC and suppression applied.
        """
        from sendreport.handoff import params_folder

        raw = {k: namespace[k] for k in Params.model_fields if k in namespace}
        base = params_folder() if base_dir is None else Path(base_dir).resolve()
        params = parse_params(raw, base_dir=base, source="notebook parameters")
        return cls.from_params(params)

    @classmethod
    def from_params(cls, params: Params, *, loaded=None) -> Pack:
        """Build the pack from validated params: load, validate, compute, disclose.

        ``loaded`` gives tables already validated (``load_data``'s result). Run
        by ``sendreport run``, the runner has built the pack while the kernel
        started, and the kernel takes it (:mod:`sendreport.handoff`).
        """
        from sendreport.handoff import handed_over, handed_over_pack
        from sendreport.metrics import compute_kpis, kpi_series
        from sendreport.validation import load_data

        if loaded is None:
            ready = handed_over_pack(params)
            if ready is not None:
                return ready
        plan = plan_as_at(load_plan(params.plan), params.period_end).plan
        # Run by ``sendreport run``: the runner already validated the tables.
        if loaded is None:
            loaded = handed_over()
        if loaded is None:
            loaded = load_data(params.data, **params.load_options())
        kpis = compute_kpis(
            loaded.tables,
            period_start=params.period_start,
            period_end=params.period_end,
            plan=plan,
            previous_period_end=params.previous_period_end,
            baseline_period_start=params.baseline_period_start,
            baseline_period_end=params.baseline_period_end,
            data_from=params.data_from,
        )
        series = kpi_series(
            loaded.tables,
            start=series_start(params),
            end=params.period_end,
            data_from=params.data_from,
        )
        chs = None
        if params.benchmarks is not None:
            from sendreport.chs import read_chs

            chs = read_chs(params.benchmarks)
        # The inputs with the figures as computed: only asked for the periods and
        # measures the disclosure pass needs, never returned.
        unreleased = cls(
            params=params,
            plan=plan,
            tables=loaded.tables,
            quality=loaded.quality,
            recodes=loaded.recodes,
            kpis=kpis,
            series=series,
            chs=chs,
        )
        released = unreleased._disclosed(kpis, series)
        released["series"] = unreleased._with_spc(released["series"])
        disclosed = replace(unreleased, **released)
        return replace(disclosed, views=tuple(disclosed._view(a, k) for a, k in plan.kpis))

    def _disclosed(self, kpis: pd.DataFrame, series: pd.DataFrame) -> dict[str, Any]:
        """One disclosure pass over every figure the pack publishes (SPEC 7).

        Returns the released ``kpis``, ``series``, ``years``, ``recodes`` and
        ``quality``, for :meth:`from_params` to build the pack from.
        """
        from sendreport.disclosure import NOT_ABOUT_CHILDREN, disclose_release
        from sendreport.metrics.compute import compute_kpis_for_periods, previous_start

        p = self.params
        periods = self.comparison_periods()
        start, end = pd.Timestamp(p.period_start), pd.Timestamp(p.period_end)
        # the milestones' periods: as long as the stocktake's, ending on each milestone
        milestones = {
            f"ending {day.isoformat()}": (previous_start(start, end, pd.Timestamp(day)), day)
            for day in self.milestone_dates()
        }
        # each period's KPIs as compute_kpis gives them, the tables prepared once
        every = {**periods, **milestones}
        frames = dict(zip(every, compute_kpis_for_periods(
            self.tables, list(every.values()), plan=self.plan, data_from=p.data_from
        ), strict=True))
        calendar = [
            y for y in self.benchmark_years()
            if self.year_coverage(y) == 12  # a part year is shown as not available
        ]
        years = {}
        if calendar:  # the area's own DfE-style figures, from requests alone
            years = dict(zip(map(str, calendar), compute_kpis_for_periods(
                {"requests": self.tables["requests"]},
                [(f"{y}-01-01", f"{y}-12-31") for y in calendar],
                data_from=p.data_from,
            ), strict=True))
        years.update({name: frames[name] for name in milestones})
        release = disclose_release(
            kpis,
            series,
            previous=frames.get("previous"),
            baseline=frames.get("baseline"),
            extra=years,
            threshold=p.suppression_threshold,
            audience=p.audience,
            not_people=NOT_ABOUT_CHILDREN | self.not_people,
            charted={(k.id, k.service or "") for _, k in self.plan.kpis},
        )
        recodes = self.recodes
        if recodes is not None:
            from sendreport.disclosure.recodes import suppress_recodes

            recodes = suppress_recodes(recodes, self.quality,
                                       threshold=p.suppression_threshold, audience=p.audience)
        return {
            "kpis": release.kpis,
            "series": release.series,
            "years": release.extra,
            "recodes": recodes,
            "quality": self._quality_released(release.kpis),
        }

    def _quality_released(self, kpis: pd.DataFrame) -> pd.DataFrame:
        """``data_quality.csv``: the counts and records under query with their impact, released.

        The impact is the change of the period's figures without each table's
        records under query (:mod:`sendreport.metrics.queried`).
        """
        from sendreport.disclosure import suppress_quality
        from sendreport.metrics.queried import (
            queried_rows,
            query_impact,
            release_quality,
            with_impact,
        )

        p = self.params
        queried = queried_rows(self.tables, p.data_from)
        impact = query_impact(self.tables, queried, period_start=p.period_start,
                              period_end=p.period_end, data_from=p.data_from)
        quality = with_impact(self.quality, queried, impact)
        released = suppress_quality(quality, threshold=p.suppression_threshold,
                                    audience=p.audience)
        return release_quality(quality, released, impact, kpis,
                               threshold=p.suppression_threshold, audience=p.audience)

    def benchmark_years(self) -> list[int]:
        """Calendar years the data reach, for the area's own DfE-style figures.

        The first may be covered in part (:meth:`year_coverage`): it is shown as
        not available, with the months it covers.
        """
        if not any(k.id in ("ehcp_20wk_excl", "ehcp_20wk_incl") for _, k in self.plan.kpis):
            return []
        requests = self.tables.get("requests")
        if requests is None or requests.empty or not requests["plan_issued_date"].notna().any():
            return []
        end = self.params.period_end
        first = self.data_from["requests"].year
        last = end.year - (0 if (end.month, end.day) == (12, 31) else 1)
        return list(range(first, last + 1))

    def year_figure(self, year: int, kpi_id: str) -> tuple[float | None, bool]:
        """``(value, withheld)`` of a KPI over a calendar year, as this pack publishes it."""
        frame = self.years.get(str(year))
        if frame is None:
            return None, False
        row = frame[frame["kpi_id"] == kpi_id]
        if row.empty:
            return None, False
        withheld = bool(row["suppressed"].iloc[0]) and self.params.audience != "internal"
        return row["value"].iloc[0], withheld

    # ----- derived facts -------------------------------------------------------------

    @cached_property
    def measure_titles(self) -> dict[str, tuple[str, str, str]]:
        """``measure_id -> (title, unit, source)`` from the ``measures`` table."""
        m = self.tables.get("measures")
        if m is None or m.empty:
            return {}
        first = m.sort_values("date").groupby("measure_id", sort=True).last()
        return {
            mid: (str(r["title"]), str(r["unit"]), str(r.get("source") or "measure"))
            for mid, r in first.iterrows()
        }

    @cached_property
    def measure_facts(self) -> pd.DataFrame:
        """One row per measure: ``title, unit, source, kind, people`` (SPEC 4.5)."""
        from sendreport.metrics.measures import measure_facts

        m = self.tables.get("measures")
        return measure_facts(m) if m is not None else measure_facts(None)

    @property
    def not_people(self) -> frozenset[str]:
        """Measures that count no children or families (``people: false``): never suppressed."""
        f = self.measure_facts
        return frozenset(f.index[~f["people"]])

    @property
    def family_voice(self) -> frozenset[str]:
        """Measures of kind ``family_voice``: the only ones that count as what families told us."""
        f = self.measure_facts
        return frozenset(f.index[f["kind"] == "family_voice"])

    def survey_note(self, view: KPIView) -> str:
        """Responses (and response rate when ``invited`` is given) of a family survey measure."""
        from sendreport.vocabulary import format_value, is_missing

        responses = view.value("denominator")
        if view.suppressed or is_missing(responses):
            return ""
        text = f"{format_value(responses, 'count')} responses"
        m = self.tables.get("measures")
        if m is not None and "invited" in m:
            p = self.params
            rows = m[(m["measure_id"] == view.plan_kpi.id)
                     & m["date"].between(pd.Timestamp(p.period_start), pd.Timestamp(p.period_end))]
            invited = rows.sort_values("date")["invited"].iloc[-1] if len(rows) else None
            if not is_missing(invited) and float(invited) > 0:
                rate = 100 * float(responses) / float(invited)
                text += f" from {format_value(invited, 'count')} asked ({format_value(rate, '%')})"
        return text

    def kpi_name(self, kpi_id: str, service: str | None = None) -> tuple[str, str, str]:
        """``(name, unit, improvement)`` of a KPI id, with its service in words."""
        from sendreport.metrics import KPI_DEFINITIONS

        if kpi_id in KPI_DEFINITIONS:
            d = KPI_DEFINITIONS[kpi_id]
            name, unit, improvement = d.title, d.unit, d.improvement
        elif kpi_id in self.measure_titles:
            name, unit, _ = self.measure_titles[kpi_id]
            improvement = "increase" if unit == "%" else "neutral"
        else:
            name, unit, improvement = kpi_id, "", "neutral"
        if service:
            name = f"{name}: {service_name(service)}"
        return name, unit, improvement

    def improvement(self, kpi_id: str, service: str = "") -> str:
        """Which way is better: the plan's ``direction`` for the KPI, else its definition's."""
        for _, kpi in self.plan.kpis:
            if kpi.id == kpi_id and (kpi.service or "") == service and kpi.direction:
                return kpi.direction
        return self.kpi_name(kpi_id)[2]

    def interventions_for(self, kpi_id: str, service: str = "") -> list[Intervention]:
        """The plan's interventions that name a KPI, dated on or before ``period_end``.

        SPEC 4.4: interventions are drawn on the charts of the KPIs they name
        and only those, so an intervention without ``kpis`` is on no chart. An
        entry names a KPI by its id (every service of it) or, when the plan
        gives one, by ``{id, service}`` (that service only).
        """
        out = []
        for item in self.plan.interventions:
            if item.date > self.params.period_end:
                continue
            for entry in item.kpis:
                entry_id = entry if isinstance(entry, str) else entry.id
                entry_service = None if isinstance(entry, str) else entry.service
                if entry_id == kpi_id and entry_service in (None, "", service):
                    out.append(item)
                    break
        return out

    def rebase_dates(self, kpi_id: str, service: str = "") -> list[dt.date]:
        """Dates from which the KPI's SPC mean and limits restart (SPEC 4.4 and 6).

        The dates of its ``rebase: true`` interventions (:meth:`interventions_for`).
        """
        return sorted({i.date for i in self.interventions_for(kpi_id, service) if i.rebase})

    def _with_spc(self, series: pd.DataFrame) -> pd.DataFrame:
        """Add Making Data Count columns to every (kpi_id, service) series.

        Each series is rebased at the dates of the plan's ``rebase: true``
        interventions that name it (:meth:`rebase_dates`); a rare-event series
        (mostly zero) then loses its limits and point types
        (:func:`sendreport.spc.rare_events`).
        """
        from sendreport.spc import rare_events, xmr

        if series.empty:
            return series.assign(
                mean=pd.NA, lpl=pd.NA, upl=pd.NA, point_type=pd.NA, rebase_group=pd.NA
            )
        if "suppressed" in series:
            # SPC runs on the published points only, for every audience, so an
            # internal pack's limits and icons are the shared pack's.
            hidden = series["suppressed"].to_numpy(dtype=bool)
            shown = series["value"].to_numpy()
            masked = series.drop(columns="suppressed").assign(
                value=series["value"].mask(hidden), row_=range(len(series))
            )
            out = self._with_spc(masked)
            order = out["row_"].to_numpy()
            return out.assign(value=shown[order], suppressed=hidden[order]).drop(columns="row_")
        keys = series[["kpi_id", "service"]].drop_duplicates()
        direction = {(k, s): self.improvement(k, s) for k, s in keys.itertuples(index=False)}
        rebase = {key: self.rebase_dates(*key) for key in direction}
        rebase = {key: dates for key, dates in rebase.items() if dates}
        better = pd.Series(
            [direction[k] for k in zip(series["kpi_id"], series["service"], strict=True)],
            index=series.index,
        )
        points = ~not_covered(series)
        parts = []
        for improvement, part in series[points].groupby(better[points], sort=True):
            present = set(zip(part["kpi_id"], part["service"], strict=True))
            dates = {key: d for key, d in rebase.items() if key in present}
            limits = xmr(part, by=("kpi_id", "service"), improvement=improvement, rebase=dates)
            parts.append(rare_events(limits, by=("kpi_id", "service")))
        order = {key: i for i, key in enumerate(direction)}  # the series' own KPI order
        out = pd.concat(parts, ignore_index=True) if parts else series.iloc[:0]
        if not points.all():
            # months the data do not cover stay in kpi_series.csv, with no SPC values
            out = pd.concat([out, series[~points]], ignore_index=True)
            out = out.astype({"rebase_group": "Int64", "trial_limits": "boolean",
                              "rare_events": "boolean"}, errors="ignore")
        rank = [order[k] for k in zip(out["kpi_id"], out["service"], strict=True)]
        return (
            out.assign(_rank=rank)
            .sort_values(["_rank", "month"], kind="stable")
            .drop(columns="_rank")
            .reset_index(drop=True)
        )

    @cached_property
    def data_from(self) -> dict[str, pd.Timestamp]:
        """The first date each table covers: the params' ``data_from``, else from the data."""
        from sendreport.metrics.coverage import resolve_data_from

        return resolve_data_from(self.tables, self.params.data_from)

    def year_coverage(self, year: int) -> int:
        """Calendar months of ``year`` the ``requests`` data cover in full (0 to 12)."""
        from sendreport.benchmarks import months_covered

        first = self.data_from.get("requests")
        if first is None:
            return 0
        return months_covered(year, first, self.params.period_end)

    def own_year_figure(self, year: int, kpi_id: str) -> Figure:
        """The area's own figure over calendar ``year``, as this pack publishes it (SPEC 5).

        Computed from its records with DfE's definition, for comparison with
        DfE's figures for the same year; not available when the data do not
        cover the whole year.
        """
        from sendreport.pack.kpifacts import Absent, Status

        period = f"calendar year {year}"
        frame = self.years.get(str(year))
        row = None if frame is None else frame[frame["kpi_id"] == kpi_id]
        if row is None or row.empty:
            months = self.year_coverage(year)
            return Figure(None, "%", period, Status.NOT_AVAILABLE, Absent.PART_YEAR,
                          f"the area's data cover {months} of the 12 months of {year}")
        figure = row_figure(row.iloc[0].to_dict(), internal=self.params.audience == "internal",
                            period=period)
        return replace(figure, comparator=f"{self.params.area_name}'s own records, {year}")

    def england_not_shown(self, kpi_id: str, service: str) -> Figure | None:
        """England's figure when DfE's is not used (``None``: ``z``, no national figure).

        Not yet published by the extract date (``x``) for DfE's measures; from
        the ``benchmarks`` file for the waits NHS England publishes (``not
        supplied`` without one).
        """
        from sendreport.pack.kpifacts import Absent, Status

        if kpi_id in ("ehcp_20wk_excl", "ehcp_20wk_incl"):
            why = Absent.ENGLAND_NOT_YET_PUBLISHED
            return Figure(None, "%", "", Status.NOT_AVAILABLE, why, why.value)
        band = {"wait_over_18wk": "pct_over_18", "wait_over_52wk": "pct_over_52"}.get(kpi_id)
        if band is None or not service:
            return None
        national = [c for c in self.health_comparators(service) if c.level == "national"]
        if not national:
            why = (Absent.ENGLAND_NOT_SUPPLIED.value if self.chs is None else
                   "the benchmarks file gives no England figure for this service")
            return Figure(None, "%", "", Status.NOT_SUPPLIED, Absent.ENGLAND_NOT_SUPPLIED, why)
        value = getattr(national[0], band)
        if value is None:
            return Figure(None, "%", f"{national[0].month:%B %Y}", Status.NOT_AVAILABLE,
                          Absent.NO_DATA, "NHS England's figure has a band left blank")
        return Figure(float(value), "%", f"{national[0].month:%B %Y}", Status.PUBLISHED,
                      comparator=national[0].label)

    def _view(self, area: PriorityArea, kpi: PlanKPI) -> KPIView:
        from sendreport.metrics import KPI_DEFINITIONS, KPIDefinition, headline
        from sendreport.spc import reading

        service = kpi.service or ""
        name, unit, _ = self.kpi_name(kpi.id, kpi.service)
        improvement = self.improvement(kpi.id, service)
        row = self.kpi_row(kpi.id, service)
        s = self.kpi_series(kpi.id, service)
        s = s[~not_covered(s)]  # SPEC 6: months the data do not cover are not points
        s = s.reset_index(drop=True) if len(s) else None
        internal = self.params.audience == "internal"
        england = None
        # SPEC 6: read at the latest point in the period only (else "not assessed", with why);
        # an SPC chart needs two published points, with fewer there is no reading to give
        spc = reading(s, target=kpi.target, improvement=improvement) if s is not None else None
        spc_variation = spc.variation if spc else None
        spc_assurance = spc.assurance if spc else None
        england_own = None
        if kpi.id in ("ehcp_20wk_excl", "ehcp_20wk_incl"):
            england = england_figure(kpi.id, self.params.effective_reference_date)
            if england is not None:
                england_own = self.own_year_figure(england[1], kpi.id)
        england_fact = england if england is not None else self.england_not_shown(kpi.id, service)
        definition = KPI_DEFINITIONS.get(kpi.id) or self.measure_definition(kpi.id, improvement)
        if definition is None and row is not None:  # a measure whose table is not given
            definition = KPIDefinition(id=kpi.id, title=name, unit=unit, improvement=improvement,
                                       per_service=False, monthly=False,
                                       definition=str(row["reason"]), source="")
        caption = ""
        if row is not None and definition is not None:
            caption = headline(row, definition=definition, plan_kpi=kpi)
        fact = kpi_fact(
            row,
            kpi_id=kpi.id,
            service=service,
            name=name,
            unit=unit,
            improvement=improvement,
            periods=self.figure_periods(kpi),
            target=kpi.target,
            target_date=f"{kpi.target_date:%B %Y}" if kpi.target_date else "",
            trajectory=self.planned_at_end(kpi),
            has_trajectory=bool(kpi.trajectory),
            england=england_fact,
            england_own=england_own,
            variation=spc_variation,
            assurance=spc_assurance,
            not_assessed=spc.not_assessed if spc else "",
            internal=internal,
            plan_baseline=kpi.baseline.value if kpi.baseline is not None else None,
        )
        return KPIView(area, kpi, name, unit, improvement, row, s, variation=spc_variation,
                       assurance=spc_assurance, england=england, headline=caption,
                       internal=internal, fact=fact)

    def comparison_periods(self) -> dict[str, tuple[dt.date, dt.date]]:
        """``previous`` and ``baseline``: the periods the pack compares with, when given.

        The last stocktake's period is as long as the reporting period and ends
        on ``previous_period_end``.
        """
        from sendreport.metrics.compute import previous_start

        p = self.params
        periods = {}
        if p.previous_period_end is not None:
            start = previous_start(
                pd.Timestamp(p.period_start),
                pd.Timestamp(p.period_end),
                pd.Timestamp(p.previous_period_end),
            )
            periods["previous"] = (pd.Timestamp(start).date(), p.previous_period_end)
        if p.baseline_period_start is not None and p.baseline_period_end is not None:
            periods["baseline"] = (p.baseline_period_start, p.baseline_period_end)
        return periods

    def figure_periods(self, kpi: PlanKPI) -> dict[str, str]:
        """What the latest, previous and baseline figures of a KPI cover, in words."""
        p = self.params
        known = self.comparison_periods()
        periods = {"latest": f"{p.period_start} to {p.period_end}"}
        if "previous" in known:
            periods["previous"] = "{} to {}".format(*known["previous"])
        if kpi.baseline is not None:
            periods["baseline"] = kpi.baseline.period or "the plan's baseline"
        elif "baseline" in known:
            periods["baseline"] = "{} to {}".format(*known["baseline"])
        return periods

    def measure_definition(self, measure_id: str, improvement: str):
        """A KPI definition for a measure of the ``measures`` table (``None`` if unknown)."""
        from sendreport.metrics import KPIDefinition

        if measure_id not in self.measure_titles:
            return None
        title, unit, source = self.measure_titles[measure_id]
        return KPIDefinition(
            id=measure_id,
            title=title,
            unit=unit,
            improvement=improvement,
            per_service=False,
            monthly=False,
            definition=f"Latest value in the period from the measures table ({source}).",
            source=source,
        )

    def views_for(self, area: PriorityArea) -> list[KPIView]:
        """The plan KPIs of one priority area."""
        return [v for v in self.views if v.area.id == area.id]

    def action_views(self, action: Action) -> list[KPIView]:
        """The KPIs an action's ``kpis`` entries name (SPEC 4.4), each with its own figure."""
        views = {}
        for v in self.views:
            views.setdefault(v.key, v)
        keys = [(k.id, k.service or "") for k in self.plan.linked_kpis(action)]
        return [views[k] for k in keys if k in views]

    def trajectory_value(self, view: KPIView) -> float | None:
        """The trajectory's expected value at ``period_end`` (``None``: no trajectory)."""
        return view.fact.trajectory.value

    def planned_at_end(self, kpi: PlanKPI) -> float | None:
        """The trajectory's expected value at ``period_end`` (linear between milestones)."""
        points = sorted((m.date, m.value) for m in kpi.trajectory)
        if kpi.baseline is not None and self.params.baseline_period_end and points:
            points.insert(0, (self.params.baseline_period_end, kpi.baseline.value))
        if not points:
            return None
        t = self.params.period_end
        if t <= points[0][0]:
            return points[0][1]
        for (d0, v0), (d1, v1) in zip(points, points[1:], strict=False):
            if d0 <= t <= d1:
                return v0 + (v1 - v0) * ((t - d0).days / max((d1 - d0).days, 1))
        return points[-1][1]

    def on_trajectory(self, view: KPIView) -> str:
        """``"on trajectory"``, ``"off trajectory"`` or ``"no trajectory"``."""
        f = view.fact
        if not (f.trajectory.published and f.latest.published) or f.improvement == "neutral":
            return "no trajectory"
        value, expected = f.latest.value, f.trajectory.value
        ok = meets(value, expected, f.improvement, f.unit)
        return "on trajectory" if ok else "off trajectory"

    # ----- children's health services ---------------------------------------------------

    def wait_services(self) -> list[str]:
        """Every referral service in ``kpis.csv``, canonical services first, in SPEC order."""
        from sendreport.validation.schemas import SERVICES

        found = set(self.kpis.loc[self.kpis["kpi_id"] == "wait_list", "service"].dropna())
        found.discard("")
        return [s for s in SERVICES if s in found] + sorted(found - set(SERVICES))

    @cached_property
    def _positions(self) -> dict[str, dict[tuple[Any, Any], list[int]]]:
        """Row positions of each (KPI, service) in ``kpis`` and ``series``, found once.

        Sections and the verdict look up a hundred or so facts each: a lookup
        here, rather than a filter of the whole frame each time.
        """
        out: dict[str, dict[tuple[Any, Any], list[int]]] = {}
        for name in ("kpis", "series"):
            frame = getattr(self, name)
            found: dict[tuple[Any, Any], list[int]] = {}
            for i, key in enumerate(zip(frame["kpi_id"], frame["service"], strict=True)):
                found.setdefault(key, []).append(i)
            out[name] = found
        return out

    @cached_property
    def _facts(self) -> dict[tuple[str, str], KPIFact]:
        """:meth:`any_fact`'s facts as they are built (a pack never changes)."""
        return {}

    def kpi_row(self, kpi_id: str, service: str = "") -> pd.Series | None:
        """The row of ``kpis.csv`` for a KPI and service (``None`` when absent)."""
        found = self._positions["kpis"].get((kpi_id, service))
        return self.kpis.iloc[found[0]] if found else None

    def kpi_series(self, kpi_id: str, service: str = "") -> pd.DataFrame:
        """The rows of the monthly series for a KPI and service, in their order."""
        return self.series.iloc[self._positions["series"].get((kpi_id, service), [])]

    def kpi_figure(self, kpi_id: str, service: str = "", *, count: bool = False) -> Figure:
        """The latest figure of a KPI and service as the pack prints it (``count``: its count)."""
        internal = self.params.audience == "internal"
        return row_figure(self.kpi_row(kpi_id, service), internal=internal, count=count)

    def any_fact(self, kpi_id: str, service: str = "") -> KPIFact:
        """The :class:`KPIFact` of any KPI and service of ``kpis.csv``, named by the plan or not.

        Latest, last stocktake and baseline as released, the measure's
        direction, and the SPC reading of its monthly series read as a plan
        KPI's is (no target: no assurance, no trajectory).
        """
        from sendreport.spc import reading

        if (kpi_id, service) in self._facts:
            return self._facts[kpi_id, service]
        row = self.kpi_row(kpi_id, service)
        name, unit, _ = self.kpi_name(kpi_id, service)
        if row is not None and str(row.get("unit", "")):
            unit = str(row["unit"])
        s = self.kpi_series(kpi_id, service)
        s = s[~not_covered(s)]
        improvement = self.improvement(kpi_id, service)
        # SPEC 6: read at the latest point in the period only, else not assessed with why
        spc = reading(s, improvement=improvement)
        p = self.params
        periods = {"latest": f"{p.period_start} to {p.period_end}"}
        periods.update({k: "{} to {}".format(*v) for k, v in self.comparison_periods().items()})
        fact = kpi_fact(row, kpi_id=kpi_id, service=service, name=name, unit=unit,
                        improvement=improvement, periods=periods,
                        target=None, variation=spc.variation, not_assessed=spc.not_assessed,
                        internal=p.audience == "internal")
        self._facts[kpi_id, service] = fact
        return fact

    def health_comparators(self, service: str) -> list:
        """NHS England CHS comparators for a service at ``period_end`` (empty: none given)."""
        from sendreport.chs import comparators

        if self.chs is None:
            return []
        return comparators(self.chs, service, self.params.period_end)

    # ----- trajectories ----------------------------------------------------------------

    def progress_values(self, view: KPIView) -> dict[str, Figure]:
        """Baseline, last stocktake and latest figure of a KPI, each labelled with its date.

        The baseline carries the plan's own period label; the others the date
        their period ends. The last stocktake's figure is withheld with the latest
        (their difference would give the latest away).
        """
        p = self.params
        f = view.fact
        base = view.plan_kpi.baseline
        label = "Baseline" + (f" ({base.period})" if base and base.period else "")
        values = {label: f.baseline}
        if p.previous_period_end is not None:
            previous = f.previous
            if f.latest.status is Status.WITHHELD and previous.published:
                previous = replace(previous, value=None, status=Status.WITHHELD,
                                   reason=f.latest.reason, reason_text=f.latest.reason_text)
            values[f"Last stocktake (to {short_date(p.previous_period_end)})"] = previous
        values[f"Latest (to {short_date(p.period_end)})"] = f.latest
        return values

    def _kpis_ending(self, end: dt.date) -> pd.DataFrame:
        """KPIs of the period of the pack's length ending at a milestone ``end``.

        They are computed and suppressed with everything else the pack
        publishes, in its one disclosure pass (:meth:`milestone_dates`).
        """
        return self.years[f"ending {end.isoformat()}"]

    def printed_dates(self) -> frozenset[dt.date]:
        """First and last days of every period the pack prints beside its months.

        The comparison periods, each milestone's period and each calendar year
        of the area's own DfE-style figures (:meth:`benchmark_years`): their
        dates appear in the pack on purpose (a withheld figure's reason says
        which period it protects), so the privacy guard lets them through even
        where a child's date of birth is the same day.
        """
        from sendreport.metrics.compute import previous_start

        start, end = pd.Timestamp(self.params.period_start), pd.Timestamp(self.params.period_end)
        periods = list(self.comparison_periods().values())
        periods += [(pd.Timestamp(previous_start(start, end, pd.Timestamp(day))).date(), day)
                    for day in self.milestone_dates()]
        periods += [(dt.date(y, 1, 1), dt.date(y, 12, 31)) for y in self.benchmark_years()]
        return frozenset(day for period in periods for day in period)

    def milestone_dates(self) -> list[dt.date]:
        """Trajectory milestones before ``period_end``: each has an actual value in the pack."""
        end = self.params.period_end
        return sorted({m.date for _, k in self.plan.kpis for m in k.trajectory if m.date < end})

    def milestone_checks(self, view: KPIView) -> list[MilestoneCheck]:
        """Each trajectory milestone of a KPI: planned value, actual value, on or off.

        The actual value is the KPI over a period as long as the reporting
        period, ending on the milestone date (the pack's own figure when the
        milestone is ``period_end``). Milestones after ``period_end`` are "not
        yet due".
        """
        p = self.params
        key = view.key
        out = []
        for m in sorted(view.plan_kpi.trajectory, key=lambda m: m.date):
            actual, suppressed = None, False
            if m.date == p.period_end:  # the pack's own figure
                actual = view.fact.latest.value
                suppressed = view.fact.latest.status is Status.WITHHELD
            elif m.date < p.period_end:
                k = self._kpis_ending(m.date)
                rows = k[(k["kpi_id"] == key[0]) & (k["service"] == key[1])]
                if len(rows):
                    actual = _number(rows["value"].iloc[0])
                    suppressed = bool(rows["suppressed"].iloc[0]) and not view.internal
            if suppressed:
                actual = None
            if m.date > p.period_end:
                status = "not yet due"
            elif suppressed:
                status = "suppressed"
            elif actual is None:
                status = "not available"
            elif view.improvement == "neutral":
                status = "no direction"
            else:
                ok = meets(actual, m.value, view.improvement, view.unit)
                status = "on trajectory" if ok else "off trajectory"
            out.append(MilestoneCheck(m.date, m.value, actual, suppressed, status))
        return out

    def planned_against_actual(self, area: PriorityArea) -> list[tuple[KPIView, list]]:
        """``(view, milestone checks)`` for each KPI of the area that has a trajectory."""
        return [
            (v, self.milestone_checks(v)) for v in self.views_for(area) if v.plan_kpi.trajectory
        ]

    def missing_trajectories(self, area: PriorityArea) -> list[KPIView]:
        """KPIs of the area with a target but no trajectory: a gap in the plan."""
        return [
            v
            for v in self.views_for(area)
            if v.plan_kpi.target is not None and not v.plan_kpi.trajectory
        ]

    # ----- report outputs ----------------------------------------------------------------

    def show_document(self) -> None:
        """Declare the PDF's title, language and classification marking."""
        from sendreport.pack.display import declare_document
        from sendreport.pack.sections import period_label

        p = self.params
        if self.families:
            from sendreport.pack.families import title as families_title

            declare_document(
                title=families_title(self),
                classification=p.classification,
                running_head=f"{p.area_name}: SEND plan update for families",
                author=p.author,
                description=f"How {self.plan.title} is going, in plain English",
                audience=p.audience,
            )
            return
        title = p.title or (
            f"{p.area_name}: {self.plan.type_label} stocktake evidence pack, "
            f"{period_label(p.period_start, p.period_end)}"
        )
        declare_document(
            title=title,
            classification=p.classification,
            running_head=f"{p.area_name}: SEND stocktake evidence pack",
            author=p.author,
            description=f"Progress against {self.plan.title}",
            audience=p.audience,
        )

    @property
    def families(self) -> bool:
        """True for the families edition (audience ``families``): a short plain document.

        Every ``show_*`` method but :meth:`show_document` and :meth:`show_families`
        shows nothing in it, so the same notebook prints either edition.
        """
        return self.params.audience == "families"

    def show_families(self) -> None:
        """Show the families edition (audience ``families`` only; nothing otherwise)."""
        if self.families:
            from sendreport.pack import sections
            from sendreport.pack.display import show

            show(sections.families_html(self), role="families")

    def show_cover(self) -> None:
        """Show the cover page."""
        self._show("cover_html", "cover")

    def show_verdict(self) -> None:
        """Show the verdict for the plan and each priority area, and the headline findings."""
        self._show("verdict_html", "verdict")

    def show_contents(self) -> None:
        """Show the contents page."""
        self._show("contents_html", "contents")

    def show_summary(self) -> None:
        """Show the KPI scorecard."""
        self._show("summary_html", "summary")

    def show_area_summary(self) -> None:
        """Nothing more: a WSoA's summary by area of concern opens its verdict page."""
        self._show("area_summary_html", "area-summary")

    def show_governance(self) -> None:
        """Show the governance and workforce section when the plan or data hold them."""
        self._show("governance_html", "governance")

    def show_priority_areas(self) -> None:
        """Show one section per priority area, each starting on a new page."""
        from sendreport.pack.display import show
        from sendreport.pack.sections import area_html

        if self.families:
            return
        for area in self.plan.priority_areas:
            show(area_html(self, area), role="priority-area", area=area.id)

    def show_appendices(self) -> None:
        """Show the definitions, data quality, evidence and provenance appendices."""
        self._show("appendices_html", "appendices")

    def _show(self, builder: str, role: str) -> None:
        from sendreport.pack import sections
        from sendreport.pack.display import show

        if self.families:
            return  # the families edition is its own document (show_families)
        html = getattr(sections, builder)(self)
        if html:
            show(html, role=role)

    def write_tables(self, folder: str | Path = ".") -> list[Path]:
        """Write ``kpis.csv``, ``kpi_series.csv`` and ``data_quality.csv`` (SPEC 7).

        Parameters
        ----------
        folder
            Where to write; the runner executes the notebook in its output folder.

        Returns
        -------
        list of Path
            The files written.
        """
        folder = Path(folder)
        out = []
        series_cols = [
            "kpi_id",
            "service",
            "month",
            "value",
            "numerator",
            "denominator",
            "mean",
            "lpl",
            "upl",
            "point_type",
        ]
        extra = [
            c
            for c in (
                "grain", "suppressed", "rebase_group", "trial_limits", "special_cause_rule",
                "rare_events", "reason",
            )
            if c in self.series
        ]
        first = [c for c in KPIS_COLUMNS if c in self.kpis]
        files = {
            "kpis.csv": self.kpis[first + [c for c in self.kpis if c not in first]],
            "kpi_series.csv": self.series[series_cols + extra],
            "data_quality.csv": self.quality,
        }
        for name, frame in files.items():
            path = folder / name
            # free-text codes such as a service name must not run as formulas in Excel
            safe_for_spreadsheets(frame).to_csv(
                path, index=False, lineterminator="\n", date_format="%Y-%m-%d"
            )
            out.append(path)
        return out


def not_covered(series: pd.DataFrame) -> pd.Series:
    """Rows of a series whose month the data do not cover (``data_from``): not SPC points.

    Read from ``not_available`` (:class:`~sendreport.metrics.coverage.NotAvailable`),
    never from the words of ``reason``.

    Examples
    --------
    >>> from sendreport.metrics.coverage import NotAvailable
    >>> s = pd.DataFrame({"value": [None, 1.0, None],
    ...                   "not_available": [NotAvailable.HISTORY_NEEDED, None,
    ...                                     NotAvailable.NOTHING_TO_MEASURE]})
    >>> not_covered(s).tolist()
    [True, False, False]
    """
    from sendreport.metrics.coverage import NotAvailable

    if "not_available" not in series.columns:
        return pd.Series(False, index=series.index)
    return series["not_available"].map(NotAvailable.uncovered).astype(bool) & series["value"].isna()


def _number(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def series_start(params: Params) -> dt.date:
    """First month of the charted series: the baseline's start, or 24 months before the period."""
    if params.baseline_period_start is not None:
        return params.baseline_period_start
    month = pd.Timestamp(params.period_start).to_period("M") - SERIES_MONTHS_BEFORE
    return month.to_timestamp().date()


def england_figure(kpi_id: str, reference_date: dt.date) -> tuple[float, int] | None:
    """The latest England figure DfE had published by ``reference_date``, with its year.

    DfE publishes a calendar year's figures in June of the next year
    (:func:`sendreport.benchmarks.published_on`): a figure published after the
    data were extracted is not used (SPEC 5).

    Examples
    --------
    >>> england_figure("ehcp_20wk_excl", dt.date(2025, 1, 31))
    (50.3, 2023)
    >>> england_figure("ehcp_20wk_excl", dt.date(2025, 7, 1))
    (46.4, 2024)
    >>> england_figure("ehcp_20wk_excl", dt.date(2015, 1, 1)) is None
    True
    """
    from sendreport.benchmarks import dfe_benchmark, published_years

    table = dfe_benchmark()
    england = table[(table["geographic_level"] == "National")
                    & table["year"].isin(published_years(reference_date))].dropna(
        subset=["pct_excl" if kpi_id == "ehcp_20wk_excl" else "pct_incl"]
    )
    if england.empty:
        return None
    latest = england.sort_values("year").iloc[-1]
    col = "pct_excl" if kpi_id == "ehcp_20wk_excl" else "pct_incl"
    return float(latest[col]), int(latest["year"])


