"""Hand-written SEN2 return fragments for the tests."""

from __future__ import annotations

import textwrap


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
