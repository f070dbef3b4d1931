"""``sendreport compare``: write the comparison edition's folder (SPEC 8).

``outputs/compare-<scope>/<year>/`` holds ``report.pdf`` (tagged PDF/UA-1, as a
pack's), ``report.html``, ``authorities.csv`` (the latest year, one row per
authority), ``years.csv`` (every authority and year), ``limits.csv`` (the
funnel curves) and ``manifest.json`` (``"edition": "compare"``, so
``sendreport verify`` reruns it). The folder is written in a private
workspace and swapped into place only after the privacy guard's checks, so a
failed run leaves the previous edition untouched.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path

import pandas as pd

from sendreport.compare import funnel
from sendreport.compare.edition import Comparison, build_comparison, comparison_html
from sendreport.compare.params import read_compare_params

__all__ = ["comparison_folder", "run_comparison"]


def comparison_folder(output_dir: str | Path, slug: str, year: int) -> Path:
    """The edition's folder: ``<output_dir>/compare-<slug>/<year>``.

    Examples
    --------
    >>> comparison_folder("outputs", "east-midlands", 2024).as_posix()
    'outputs/compare-east-midlands/2024'
    """
    return Path(output_dir) / f"compare-{slug}" / str(year)


def _csvs(c: Comparison) -> dict[str, pd.DataFrame]:
    from sendreport.compare.figures import MEASURES

    credit = MEASURES[c.params.measure][2]
    cols = ["year", "la_code", "old_la_code", "la_name", "region_name", "n", "r", "rate",
            "ci_low", "ci_high", "95% lower", "95% upper", "99.8% lower", "99.8% upper",
            "position"]
    latest = c.table.reindex(columns=[*cols, "rank", "rank_best", "rank_worst", "change",
                                      "change_low", "change_high", "verdict",
                                      "years_outside_95", "unpublished", "period"])
    latest["year"] = latest["year"].fillna(c.year)
    why = dict(c.no_rate)
    latest["note"] = [why.get(name, "") if not own else "" for name, own in
                      zip(latest["la_name"], latest["unpublished"].astype(bool), strict=True)]
    years = pd.concat([y.table.reindex(columns=cols).assign(p0=y.p0) for y in c.years],
                      ignore_index=True)
    curves = []
    for y in c.years:
        sizes = c.sizes
        frame = pd.DataFrame({"year": y.year, "plans_issued": sizes,
                              **funnel.limits(sizes, y.p0, y.spread)})
        curves.append(frame.assign(p0=y.p0, phi=y.spread.phi, tau2=y.spread.tau2,
                                   overdispersed=y.spread.overdispersed))
    rename = {"n": "plans_issued", "r": "within_20wk", "95% lower": "lower_95",
              "95% upper": "upper_95", "99.8% lower": "lower_99_8", "99.8% upper": "upper_99_8"}
    out = {
        "authorities.csv": latest.rename(columns=rename).assign(measure=c.params.measure),
        "years.csv": years.rename(columns=rename).assign(measure=c.params.measure),
        "limits.csv": pd.concat(curves, ignore_index=True).rename(columns=rename),
    }
    for frame in out.values():
        frame["source"] = f"DfE published ({credit})"
    out["authorities.csv"].loc[out["authorities.csv"]["unpublished"].astype(bool), "source"] = (
        "the area's own pack (kpis.csv), unpublished")
    return out


def _manifest(folder: Path, params_path: Path, c: Comparison, destination: Path,
              started: str, seconds: float) -> None:
    from sendreport.outputs import package_versions, sha256_file
    from sendreport.run.manifest import git_commit

    manifest = {
        "sendreport_manifest": 1,
        "edition": "compare",
        "scope": c.scope,
        "measure": c.params.measure,
        "years": c.params.years,
        "params": {
            "file": params_path.name,
            "path": Path(os.path.relpath(params_path.resolve(), destination.absolute()))
            .as_posix(),
            "sha256": sha256_file(params_path),
        },
        "inputs": {label: {"file": path.name, "sha256": sha256_file(path)}
                   for label, path in c.params.input_files().items()},
        "outputs": {p.name: sha256_file(p) for p in sorted(folder.iterdir()) if p.is_file()},
        "confidential_annex": None,
        "versions": package_versions(),
        "git_commit": git_commit(Path(__file__).resolve().parent),
        "started_at": started,
        "run_seconds": round(seconds, 2),
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")


def _check(html: str, pdf: bytes | None) -> None:
    """The privacy guard's checks that apply to published figures: images and the PDF."""
    from sendreport.charts.render import figures_in
    from sendreport.errors import DisclosureError
    from sendreport.guard import check_images, check_pdf, collect_identifiers

    findings = check_images(html, {f["png"] for f in figures_in(html)})
    if pdf is not None:
        findings += check_pdf(pdf, collect_identifiers({}))
    if findings:
        raise DisclosureError("the privacy guard refused the comparison edition:\n"
                              + "\n".join(f"- {f}" for f in findings), findings=findings)


def run_comparison(params_path: str | Path, output_dir: str | Path = "outputs", *,
                   pdf: bool = True) -> Path:
    """Build the comparison edition of a params file and publish its folder.

    Parameters
    ----------
    params_path
        The comparison params file (SPEC 8).
    output_dir
        Where ``compare-<scope>/<year>/`` is written.
    pdf
        Print ``report.pdf`` too.

    Returns
    -------
    Path
        The edition's folder.

    Raises
    ------
    ParameterError
        Bad params (exit code 2), before anything is written.
    DisclosureError
        The guard refused the outputs (exit code 3); nothing is published.
    """
    from sendreport.csvsafe import safe_for_spreadsheets
    from sendreport.run.exporter import html_to_pdf
    from sendreport.run.folders import Workspace

    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    clock = time.monotonic()
    params_path = Path(params_path)
    params = read_compare_params(params_path)
    c = build_comparison(params)
    destination = comparison_folder(output_dir, params.slug, c.year)
    html = comparison_html(c)
    pdf_bytes = html_to_pdf(html) if pdf else None
    _check(html, pdf_bytes)
    with Workspace(output_dir) as ws:
        (ws.pack / "report.html").write_text(html, "utf-8")
        if pdf_bytes is not None:
            (ws.pack / "report.pdf").write_bytes(pdf_bytes)
        for name, frame in _csvs(c).items():
            safe_for_spreadsheets(frame).to_csv(ws.pack / name, index=False, lineterminator="\n",
                                                float_format="%.6g")
        _manifest(ws.pack, params_path, c, destination, started, time.monotonic() - clock)
        ws.publish(ws.pack, destination)
    return destination
