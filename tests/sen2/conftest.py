from __future__ import annotations

from pathlib import Path

import pytest

from sendreport.sen2.write import returned_tables, write_returns
from sendreport.synth import generate
from sendreport.validation import load_data


@pytest.fixture
def write_xml(tmp_path: Path):
    def write(text: str, name: str = "return.xml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def synthetic(tmp_path_factory) -> dict:
    """Demoshire's synthetic tables, their 2023-2025 returns (XML and Blade) and what they hold."""
    folder = tmp_path_factory.mktemp("sen2-synthetic")
    tables = generate(seed=2026)
    xml = write_returns(tables, folder)
    blade = write_returns(tables, folder, years=(2025,), blade=True)
    return {"tables": tables, "xml": xml, "blade": blade[0], "folder": folder,
            "expected": returned_tables(tables), "loaded": load_data({"sen2": xml})}
