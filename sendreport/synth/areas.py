"""Many synthetic areas, each with its own tables and params file, for batches.

``write_areas(out, n)`` writes::

    out/plan.yaml                    the demo Priority Action Plan, shared by every area
    out/areas/area-01/*.csv          one seeded set of tables per area
    out/params/area-01.yaml          a params file that runs the stocktake notebook

so ``sendreport batch out/params/*.yaml`` runs them all.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from sendreport.bundled import DEMO_PLAN, STOCKTAKE
from sendreport.errors import ParameterError

AREA_PARAMS = {
    "period_start": "2024-07-01",
    "period_end": "2024-12-31",
    "reference_date": "2025-01-31",
    "baseline_period_start": "2022-04-01",
    "baseline_period_end": "2023-03-31",
    "previous_period_end": "2024-06-30",
    "classification": "OFFICIAL",
    "suppression_threshold": 5,
    "audience": "shared",
    "synthetic": True,
}
"""The keys every synthetic area shares (the demo's reporting period; made up, so
``synthetic``: the pack says so and uses no regional comparator)."""


def area_label(number: int, width: int) -> str:
    """The folder and file stem of area ``number``.

    Examples
    --------
    >>> area_label(3, 2)
    'area-03'
    """
    return f"area-{number:0{width}d}"


def write_areas(out_dir: str | Path, areas: int, *, seed: int = 2026) -> list[Path]:
    """Write ``areas`` synthetic areas and their params files under ``out_dir``.

    Parameters
    ----------
    out_dir
        Folder to write into (created if missing).
    areas
        How many areas, 1 or more. Area ``i`` (from 1) is drawn with seed ``seed + i - 1``,
        so area 1 has the demo's tables when ``seed`` is the default.
    seed
        Seed of the first area.

    Returns
    -------
    list of pathlib.Path
        The params files, one per area, in order.

    Raises
    ------
    ParameterError
        If ``areas`` is below 1, ``seed`` is negative or ``out_dir`` is a file.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     [p.name for p in write_areas(tmp, 2)]
    ['area-1.yaml', 'area-2.yaml']
    """
    from sendreport.synth import write_synthetic

    if isinstance(areas, bool) or not isinstance(areas, int) or areas < 1:
        raise ParameterError(f"--areas must be 1 or more, not {areas!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ParameterError(f"seed must be a non-negative integer, not {seed!r}")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ParameterError(f"--out must be a folder, not the file {out}")
    (out / "params").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(DEMO_PLAN, out / "plan.yaml")
    width = len(str(areas))
    written = []
    for number in range(1, areas + 1):
        label = area_label(number, width)
        tables = write_synthetic(out / "areas" / label, seed=seed + number - 1)
        params = {
            "notebook": str(STOCKTAKE),
            "area_name": f"Synthetic area {number:0{width}d}",
            **AREA_PARAMS,
            "plan": "../plan.yaml",
            "data": {name: f"../areas/{label}/{path.name}" for name, path in tables.items()},
            "title": f"Synthetic area {number:0{width}d}: stocktake evidence pack",
        }
        path = out / "params" / f"{label}.yaml"
        text = yaml.safe_dump(params, sort_keys=False)
        path.write_text("# A synthetic area: every figure is made up.\n" + text, encoding="utf-8")
        written.append(path)
    return written


__all__ = ["write_areas"]
