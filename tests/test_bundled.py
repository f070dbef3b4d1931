"""The files shipped inside the package: one copy, all named in the package data."""

from __future__ import annotations

import tomllib
from pathlib import Path

import yaml

from sendreport.bundled import DEMO_PARAMS, DEMO_PLAN, DEMO_SEN2_PARAMS, NOTEBOOKS, STOCKTAKE

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "sendreport" / "bundled"


def test_the_bundled_folders_are_the_repository_folders_not_copies():
    for name in ("notebooks", "params"):
        link = BUNDLE / name
        assert link.is_symlink(), f"{link} must stay a symlink to {name}/ (one copy)"
        assert link.resolve() == (ROOT / name).resolve()


def test_the_package_data_names_every_bundled_file_the_product_reads():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = config["tool"]["setuptools"]["package-data"]["sendreport.bundled"]
    missing = [name for name in listed if not (BUNDLE / name).is_file()]
    assert missing == []
    read = {STOCKTAKE, DEMO_PARAMS, DEMO_PLAN, DEMO_SEN2_PARAMS, *NOTEBOOKS.glob("*.ipynb")}
    shipped = {(BUNDLE / name).resolve() for name in listed}
    assert sorted(str(p) for p in read - shipped) == []


def test_the_demo_params_file_reads_the_bundled_notebook_and_plan():
    """`sendreport demo` copies these two beside the params file, at the places it names."""
    params = yaml.safe_load(DEMO_PARAMS.read_text(encoding="utf-8"))
    folder = DEMO_PARAMS.parent
    assert (folder / params["notebook"]).resolve() == STOCKTAKE
    assert (folder / params["plan"]).resolve() == DEMO_PLAN
    assert {Path(path).parent.as_posix() for path in params["data"].values()} == {"../data/demo"}
