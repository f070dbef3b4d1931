"""Areas' own packs placed beside DfE's published figures (``packs:`` in the params)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sendreport.compare import funnel
from sendreport.compare.params import CompareParams
from sendreport.errors import ParameterError

NEEDED = ("kpi_id", "service", "period_start", "period_end", "numerator", "denominator")


def pack_rows(params: CompareParams, dfe: pd.DataFrame, p0: float,
              spread: funnel.Dispersion) -> pd.DataFrame:
    """One row per pack: the area's own figure of the measure, marked unpublished.

    A withheld or unavailable figure (no numerator or denominator) is kept with no
    rate, so the edition shows it as ``x`` rather than a number it cannot know.

    Raises
    ------
    ParameterError
        A ``kpis.csv`` without the columns a pack writes, named with the file.
    """
    from sendreport.compare.figures import wilson

    rows = []
    for pack in params.packs:
        kpis = pd.read_csv(pack.kpis, dtype=str, keep_default_na=False)
        missing = [c for c in NEEDED if c not in kpis.columns]
        if missing:
            raise ParameterError(f"{pack.kpis.name}: packs: not a pack's kpis.csv "
                                 f"(missing columns {missing})")
        match = kpis[(kpis["kpi_id"] == params.measure) & (kpis["service"] == "")]
        la = dfe[(dfe["geographic_level"] == "Local authority")
                 & ((dfe["la_code"] == pack.la_code) | (dfe["old_la_code"] == pack.la_code))]
        name = la["la_name"].iloc[-1] if len(la) else pack.la_code
        r = pd.to_numeric(match["numerator"], errors="coerce").iloc[0] if len(match) else np.nan
        n = pd.to_numeric(match["denominator"], errors="coerce").iloc[0] if len(match) else np.nan
        row = {"la_code": la["la_code"].iloc[-1] if len(la) else pack.la_code,
               "la_name": name, "r": r, "n": n, "unpublished": True,
               "period": (f"{match['period_start'].iloc[0]} to {match['period_end'].iloc[0]}"
                          if len(match) else "")}
        if pd.notna(r) and pd.notna(n) and n > 0:
            row["rate"] = r / n
            row["ci_low"], row["ci_high"] = wilson(r, n)
            bounds = {k: float(v[0]) for k, v in funnel.limits([n], p0, spread).items()}
            row.update(bounds)
            row["position"] = funnel.position(r / n, bounds)
        else:
            row.update(rate=np.nan, ci_low=np.nan, ci_high=np.nan, position="")
        row["years_outside_95"] = ""
        rows.append(row)
    return pd.DataFrame(rows)
