"""pyproject.toml says what setuptools needs to build without a deprecation warning."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]


def test_the_licence_is_an_spdx_expression_with_a_setuptools_that_reads_one():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert config["project"]["license"] == "MIT"  # a string: the table form is deprecated
    assert not any(c.startswith("License ::") for c in config["project"].get("classifiers", []))
    (setuptools,) = [Requirement(r) for r in config["build-system"]["requires"]
                     if Requirement(r).name == "setuptools"]
    # setuptools 77 is the first to read an SPDX `license`; no older one may build it
    assert not any(setuptools.specifier.contains(v) for v in ("69.0", "76.1.0"))
    assert setuptools.specifier.contains("77.0.0")
