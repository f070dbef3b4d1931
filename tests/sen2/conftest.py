from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from sendreport.sen2.write import returned_tables, write_returns
from sendreport.synth import generate
from sendreport.validation import load_data


def header(year: int, la: str = "999", collection: str = "SEN2") -> str:
    return textwrap.dedent(f"""\
        <Header>
          <CollectionDetails>
            <Collection>{collection}</Collection>
            <Year>{year}</Year>
            <ReferenceDate>{year}-01-18</ReferenceDate>
          </CollectionDetails>
          <Source><SourceLevel>L</SourceLevel><LEA>{la}</LEA><DMO>Y</DMO><DCO>Y</DCO></Source>
        </Header>""")


def sen2_xml(year: int, persons: str, **kw) -> str:
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<Message>\n{header(year, **kw)}\n'
            f"<Persons>\n{persons}\n</Persons>\n</Message>\n")


def person(body: str, *, surname="Fernhollow", forename="Quinn", birth="2014-02-03",
           upn="A999000012345", extra="<Sex>F</Sex>") -> str:
    return (f"<Person><Surname>{surname}</Surname><Forename>{forename}</Forename>"
            f"<PersonBirthDate>{birth}</PersonBirthDate>{extra}<Ethnicity>WBRI</Ethnicity>"
            f"<PostCode>ZZ99 9ZZ</PostCode><UPN>{upn}</UPN>{body}</Person>")


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
