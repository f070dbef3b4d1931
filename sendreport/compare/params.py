"""The comparison edition's params file (SPEC 8): scope, measure, years, packs."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sendreport.errors import ParameterError
from sendreport.plan import format_validation_error
from sendreport.yamlfile import check_regular_file, load_yaml

__all__ = ["CompareParams", "PackFile", "read_compare_params", "resolve_scope"]


class PackFile(BaseModel):
    """An area's own pack whose figure is placed beside the published ones (unpublished)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    la_code: str
    kpis: Path
    """The pack's ``kpis.csv``; a relative path resolves against the params file's folder."""


class CompareParams(BaseModel):
    """A comparison edition's parameters.

    Examples
    --------
    >>> CompareParams(scope="East Midlands", years=[2019, 2024]).slug
    'east-midlands'
    >>> CompareParams(scope=["E06000015", "830"], years=[2024]).slug
    'authorities-2'
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    scope: str | list[str]
    """``england``, a region's name as DfE writes it, or a list of local authority codes."""
    measure: Literal["ehcp_20wk_excl", "ehcp_20wk_incl"] = "ehcp_20wk_excl"
    years: list[int] = Field(min_length=1)
    """Calendar years; the funnel plots and table are of the latest, change runs from the first."""
    packs: list[PackFile] = []
    title: str | None = None
    classification: str = "OFFICIAL"

    @field_validator("years")
    @classmethod
    def _sorted(cls, years: list[int]) -> list[int]:
        return sorted(set(years))

    def input_files(self) -> dict[str, Path]:
        """Every file the edition reads, by label: DfE's figures, then each pack's ``kpis.csv``."""
        from importlib import resources

        dfe = Path(str(resources.files("sendreport") / "data" / "dfe_ehcp_timeliness.csv"))
        return {"dfe": dfe, **{f"packs.{p.la_code}": p.kpis for p in self.packs}}

    @property
    def slug(self) -> str:
        """The folder name after ``compare-``."""
        from sendreport.params import area_slug

        if isinstance(self.scope, list):
            return f"authorities-{len(self.scope)}"
        return area_slug(self.scope)


def resolve_scope(params: CompareParams, dfe: pd.DataFrame, source: str = "params") -> tuple[
        str, str | None, list[str] | None]:
    """The scope's name, its region (or ``None``) and its codes (or ``None`` for all).

    Raises
    ------
    ParameterError
        A region or code the DfE figures do not hold, or a year they do not cover,
        named with the values allowed.

    Examples
    --------
    >>> from sendreport.benchmarks import load_dfe_timeliness
    >>> dfe = load_dfe_timeliness()
    >>> resolve_scope(CompareParams(scope="england", years=[2024]), dfe)
    ('England', None, None)
    >>> resolve_scope(CompareParams(scope=["E06000015", "831", "830"], years=[2024]), dfe)[0]
    '2 local authorities'
    >>> resolve_scope(CompareParams(scope="Wessex", years=[2024]), dfe)
    Traceback (most recent call last):
    ...
    sendreport.errors.ParameterError: params: scope: 'Wessex' is not England, a region or a list of LA codes; regions: East Midlands, East of England, London, North East, North West, South East, South West, West Midlands, Yorkshire and The Humber
    """  # noqa: E501
    problems = []
    known_years = sorted(set(dfe["year"].tolist()))
    wrong = [y for y in params.years if y not in known_years]
    if wrong:
        problems.append(f"{source}: years: {wrong} not in DfE's figures "
                        f"({known_years[0]}-{known_years[-1]})")
    las = dfe[dfe["geographic_level"] == "Local authority"]
    regions = sorted(set(dfe.loc[dfe["geographic_level"] == "Regional", "region_name"].dropna()))
    codes = set(las["la_code"].dropna()) | set(las["old_la_code"].dropna())
    name, region, listed = "England", None, None
    if isinstance(params.scope, list):
        unknown = [c for c in params.scope if c not in codes]
        if unknown:
            problems.append(f"{source}: scope: unknown local authority codes {unknown} "
                            "(9-character or 3-digit codes of DfE's figures)")
        listed = list(params.scope)
        # an authority listed by both its codes is one authority
        count = las.loc[las["la_code"].isin(listed) | las["old_la_code"].isin(listed),
                        "la_code"].nunique()
        name = f"{count} local authorit{'y' if count == 1 else 'ies'}"
    elif params.scope.lower() != "england":
        if params.scope not in regions:
            problems.append(f"{source}: scope: {params.scope!r} is not England, a region or a "
                            f"list of LA codes; regions: {', '.join(regions)}")
        name = region = params.scope
    for pack in params.packs:
        if pack.la_code not in codes:
            problems.append(f"{source}: packs: unknown la_code {pack.la_code!r}")
    if problems:
        raise ParameterError(problems)
    return name, region, listed


def read_compare_params(path: str | Path) -> CompareParams:
    r"""Read and check a comparison params file; every problem listed (exit code 2).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "c.yaml").write_text("scope: england\nyears: [2024]\ncolour: red\n")
    >>> read_compare_params(folder / "c.yaml")
    Traceback (most recent call last):
    ...
    sendreport.errors.ParameterError: c.yaml: colour: unknown key
    """
    path = Path(path)
    if not path.exists():
        raise ParameterError(f"params file not found: {path}")
    raw = load_yaml(path, what="params file")
    if not isinstance(raw, dict):
        raise ParameterError(f"{path.name}: must be a YAML mapping of parameter names to values")
    for pack in raw.get("packs") or []:
        if isinstance(pack, dict) and isinstance(pack.get("kpis"), str):
            pack["kpis"] = str(path.resolve().parent / pack["kpis"])
    try:
        params = CompareParams.model_validate(raw)
    except ValidationError as err:
        raise ParameterError(list(format_validation_error(err, path.name))) from None
    problems = [f"{path.name}: {p}" for pack in params.packs
                if (p := check_regular_file(pack.kpis, what=f"packs: {pack.la_code}"))]
    if problems:
        raise ParameterError(problems)
    return params
