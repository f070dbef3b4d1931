"""`make demo` installs only what the demo needs; the tests' tools come with `make test`."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")


def planned(target: str) -> str:
    """The commands `make TARGET` would run from a fresh clone (-B: as if nothing were made)."""
    out = subprocess.run(["make", "-n", "-B", target], cwd=ROOT, capture_output=True,
                         text=True, check=True, timeout=60)
    return out.stdout


def test_make_demo_installs_no_browser_npm_or_test_tools():
    demo = planned("demo")
    assert "sendreport demo" in demo
    for needed in ("poppler-utils", "fonts-liberation", "libpango-1.0-0", "ipykernel install"):
        assert needed in demo
    for only_tests in ("chromium", "npm", ".[test]"):
        assert only_tests not in demo


def test_make_test_installs_the_browser_npm_and_the_test_tools():
    test = planned("test")
    for needed in ("poppler-utils", "chromium", "npm ci", '-e ".[test]"', "bin/pytest"):
        assert needed in test
