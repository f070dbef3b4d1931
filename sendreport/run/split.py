"""``sendreport batch TEMPLATE.yaml --split-by la``: one pack per authority from many returns.

The template is an ordinary params file whose ``data: {sen2: FOLDER}`` names a
folder of SEN2 returns of several authorities. Each return is given to the
authority its name says, by DfE code (``831-2024.xml``, ``SEN2_E06000015_2025.xml``
or a subfolder ``831/``); every authority gets a params file of its own, written
under ``<output-dir>/split-params/``, with the template's settings, its
``la_code`` and the name DfE gives it. Each pack's run then checks every
return's header ``LEA`` against that code (SPEC 4.6), so a return filed under
the wrong authority is refused by name and the other packs are still made.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from sendreport.errors import ParameterError
from sendreport.params import SEN2, area_slug, resolved_paths
from sendreport.yamlfile import load_yaml

CODE = re.compile(r"(?<![A-Za-z0-9])(\d{3}|E\d{8})(?![A-Za-z0-9])")
"""A DfE code inside a file or folder name: three digits, or an ``E`` and eight digits."""
SPLIT_PARAMS = "split-params"
"""The folder, under the batch's output folder, of the params file each authority gets."""
SUMMARY = "split-summary.csv"
"""The table of every authority's pack, written in the batch's output folder."""
HEADLINE = ("ehcp_20wk_excl", "ehcp_issued", "ehcp_requests", "ehcp_open_over_20wk")
"""The figures of each pack's ``kpis.csv`` the summary repeats, as published (``c`` stays ``c``)."""

__all__ = ["CODE", "SPLIT_PARAMS", "SUMMARY", "authority_of", "split_by_la", "write_summary"]


def authority_of(path: Path, folder: Path) -> str | None:
    """The DfE code a return's place names: its subfolder under ``folder``, else its file name.

    Examples
    --------
    >>> authority_of(Path("/r/831-2024.xml"), Path("/r"))
    '831'
    >>> authority_of(Path("/r/E06000015/sen2-2025.xml"), Path("/r"))
    'E06000015'
    >>> authority_of(Path("/r/sen2-2025.xml"), Path("/r")) is None
    True
    """
    relative = path.relative_to(folder)
    for part in (*relative.parts[:-1], relative.name):
        found = CODE.search(Path(part).stem if part == relative.name else part)
        if found:
            return found.group(1)
    return None


def split_by_la(template: str | Path, output_dir: str | Path) -> list[Path]:
    """Write one params file per authority of the template's folder of returns.

    Parameters
    ----------
    template
        A params file whose ``data.sen2`` is a folder of SEN2 XML returns.
    output_dir
        The batch's output folder; the params files go in its ``split-params/``.

    Returns
    -------
    list of pathlib.Path
        The params files, in code order.

    Raises
    ------
    ParameterError
        The template's ``data.sen2`` is not a folder, holds no return, or holds
        a return whose name gives no authority (exit code 2, naming the files).
    """
    from sendreport.benchmarks import authority

    template = Path(template)
    if not template.is_file():
        raise ParameterError(f"params file not found: {template}")
    raw = load_yaml(template, what="params file")
    if not isinstance(raw, dict) or not isinstance(raw.get("data"), dict):
        raise ParameterError(f"{template.name}: --split-by la needs data: {{sen2: FOLDER}}")
    resolved = resolved_paths(raw, template.resolve().parent)
    folder = resolved["data"].get(SEN2)
    if not isinstance(folder, str) or not Path(folder).is_dir():
        raise ParameterError(f"{template.name}: data: sen2: --split-by la needs a folder of "
                             f"returns, not {raw['data'].get(SEN2)!r}")
    folder = Path(folder)
    returns = sorted(p for p in folder.rglob("*.xml") if p.is_file() and not p.is_symlink())
    if not returns:
        raise ParameterError(f"{template.name}: data: sen2: {folder} holds no .xml return")
    groups: dict[str, list[Path]] = {}
    unnamed = []
    for path in returns:
        code = authority_of(path, folder)
        if code is None:
            unnamed.append(path.relative_to(folder).as_posix())
        else:
            groups.setdefault(code, []).append(path)
    if unnamed:
        raise ParameterError(
            f"{template.name}: data: sen2: no authority code in the name of {unnamed}: name "
            "each return by its authority's DfE code (831-2024.xml) or put it in a folder "
            "named by the code (831/)")
    out = Path(output_dir) / SPLIT_PARAMS
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for code, paths in sorted(groups.items()):
        known = authority(code)
        name = known["la_name"] if known else f"{raw.get('area_name', 'Area')} {code}"
        params = {**resolved, "area_name": name, "la_code": code,
                  "data": {**resolved["data"], SEN2: [str(p) for p in paths]}}
        if "title" in raw:
            params["title"] = f"{name}: {raw['title']}"
        path = out / f"{area_slug(name)}.yaml"
        path.write_text(f"# {name} ({code}), from {template.name} by --split-by la.\n"
                        + yaml.safe_dump(params, sort_keys=False), encoding="utf-8")
        written.append(path)
    return written


def write_summary(results, output_dir: str | Path) -> Path:
    """Write ``split-summary.csv``: every authority's pack, its outcome and headline figures.

    Parameters
    ----------
    results
        The batch's :class:`sendreport.run.batch.BatchResult` of each split params file.
    output_dir
        The batch's output folder.

    Returns
    -------
    Path
        The summary's path.
    """
    import csv

    rows = []
    for result in results:
        settings = yaml.safe_load(Path(result.params).read_text(encoding="utf-8"))
        row = {"la_code": settings.get("la_code", ""), "area_name": settings.get("area_name", ""),
               "status": result.status, "exit_code": result.exit_code,
               "folder": "" if result.output is None else
               Path(result.output).relative_to(Path(output_dir).absolute()).as_posix()
               if Path(result.output).is_absolute() else Path(result.output).as_posix(),
               "problem": result.message.splitlines()[0] if result.message else ""}
        figures = {}
        if result.output is not None and (Path(result.output) / "kpis.csv").is_file():
            with (Path(result.output) / "kpis.csv").open(newline="", encoding="utf-8") as fh:
                figures = {r["kpi_id"]: r["value"] if r["value"] else r.get("suppressed", "")
                           for r in csv.DictReader(fh) if not r.get("service")}
        row.update({kpi: figures.get(kpi, "") for kpi in HEADLINE})
        rows.append(row)
    path = Path(output_dir) / SUMMARY
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["la_code", "area_name", "status", "exit_code",
                                                "folder", "problem", *HEADLINE],
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path
