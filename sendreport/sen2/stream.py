"""Read a SEN2 XML return one ``Person`` at a time, safely.

The file is never held whole in memory: lxml's ``iterparse`` hands over each
``Person`` element when it ends, the element is turned into plain records
(:data:`~sendreport.sen2.codes.TREE`) and then freed. Entities are never
resolved and nothing is fetched from the network; a return with a
``DOCTYPE`` declaration (the only way to declare entities, as in the
"billion laughs" attack) is refused before parsing starts.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sendreport.errors import DataValidationError
from sendreport.sen2.codes import ALIASES, HEADER_FIELDS, HEADER_GROUPS, TREE

PROLOG_LIMIT = 1 << 20
"""Bytes read before the root element to look for a DOCTYPE declaration."""

Record = dict
"""One element as a dict: leaf tag (lower case) to text, child tag to a list of records,
and ``"_line"`` the line its start tag is on."""


@dataclass
class Notes:
    """What a reader met that it did not use.

    Attributes
    ----------
    unrecognised
        ``(element, tag)`` to count: tags that are neither in the element tree
        nor in the alias map.
    tag_lines
        Lower-case tag to the first line it was seen on (for year-shape messages).
    """

    unrecognised: Counter = field(default_factory=Counter)
    tag_lines: dict[str, int] = field(default_factory=dict)


def local_name(tag: str) -> str:
    """Return a tag without its namespace, in lower case, aliases resolved.

    Examples
    --------
    >>> local_name("{urn:x}SENsetting"), local_name("WPB")
    ('sensetting', 'wbp')
    """
    key = _CACHE.get(tag)
    if key is None:
        local = tag.rpartition("}")[2] if tag[:1] == "{" else tag
        key = ALIASES.get(local.lower(), local.lower())
        if len(_CACHE) < 10_000:
            _CACHE[tag] = key
    return key


_SPELLING = re.compile(r"<((?:[\w.-]+:)?(?:person|header))[\s/>]", re.IGNORECASE)
_CACHE: dict[str, str] = {}
_TEXT: dict[str, str] = {}
_PERSONAL = frozenset({"surname", "forename", "personbirthdate", "postcode", "upn",
                       "uniquelearnernumber"})


def spellings(path: Path) -> list[str]:
    """The spellings of ``Person`` and ``Header`` in the file's first MiB (namespace aside).

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "r.xml"
    >>> _ = p.write_text("<Message><HEADER/><Persons><person></person></Persons></Message>")
    >>> spellings(p)
    ['HEADER', 'person']
    """
    with path.open("rb") as fh:
        head = fh.read(PROLOG_LIMIT).decode("utf-8", errors="replace")
    return sorted({m.group(1).rpartition(":")[2] for m in _SPELLING.finditer(head)})


def refuse_doctype(path: Path) -> str:
    """Return the root element's name; refuse a file with a DOCTYPE (exit code 2).

    Raises
    ------
    DataValidationError
        If the prolog declares a DOCTYPE, or no element starts in the first
        :data:`PROLOG_LIMIT` bytes.
    """
    with path.open("rb") as fh:
        head = fh.read(PROLOG_LIMIT)
    text = head.decode("utf-8", errors="replace")
    if "\x00" in text[:200]:  # UTF-16
        text = head.decode("utf-16", errors="replace")
    pos = 0
    while True:
        start = text.find("<", pos)
        if start < 0:
            raise DataValidationError(
                f"{path}: not an XML file: no element found in its first "
                f"{PROLOG_LIMIT // 1024} KiB (rule: not_sen2)")
        if text.startswith("<?", start) or text.startswith("<!--", start):
            close = "?>" if text[start + 1] == "?" else "-->"
            end = text.find(close, start)
            if end < 0:
                raise DataValidationError(f"{path}: not well-formed XML (rule: malformed_xml)")
            pos = end + len(close)
        elif text[start + 1 : start + 2] == "!":
            raise DataValidationError(
                f"{path}: the file declares a DOCTYPE; a SEN2 return never does, and "
                "declarations can expand entities to attack the reader: refused "
                "(rule: xml_doctype)")
        else:
            match = re.match(r"<([^\s/>]+)", text[start:])
            return match.group(1) if match else ""


def read_xml(path: Path, on_header: Callable[[dict, int], None],
             on_person: Callable[[Record], None], notes: Notes) -> None:
    """Stream a SEN2 XML return: ``on_header`` once, then ``on_person`` per ``Person``.

    Parameters
    ----------
    path
        The XML file.
    on_header
        Called with the header fields (lower-case tag to text) and the line
        of ``Header``, before the first person.
    on_person
        Called with each ``Person`` as a :data:`Record`.
    notes
        Collects unrecognised tags and the first line of year-specific tags.

    Raises
    ------
    DataValidationError
        If the file is not well-formed XML, declares a DOCTYPE, or is not a
        SEN2 return (root ``Message`` with a ``Header``).
    """
    from lxml import etree

    root_name = refuse_doctype(path)
    if local_name(root_name.split(":")[-1]) != "message":
        raise DataValidationError(
            f"{path}: not a SEN2 return: its root element is {root_name!r}, not 'Message' "
            "(rule: not_sen2)")
    header_seen = False
    found = spellings(path)
    # Only the elements handled here come back to Python: much faster on large files.
    # A Person spelled otherwise later in the file is reported as unrecognised.
    tags = [f"{{*}}{t}" for t in {*found, root_name.rpartition(":")[2]}] if found else None
    context = etree.iterparse(
        str(path), events=("end",), tag=tags, resolve_entities=False, no_network=True,
        load_dtd=False, huge_tree=False, remove_comments=True, remove_pis=True,
    )
    try:
        for _, elem in context:
            tag = elem.tag
            if not isinstance(tag, str):
                raise DataValidationError(
                    f"{path}: line {elem.sourceline}: an entity reference; a SEN2 return "
                    "never uses one: refused (rule: xml_entity)")
            kind = local_name(tag)
            if kind == "person":
                parent = elem.getparent()
                if not header_seen:
                    raise DataValidationError(
                        f"{path}: not a SEN2 return: no Header before the first Person "
                        "(rule: not_sen2)")
                on_person(_record(elem, "person", notes))
                elem.clear(keep_tail=False)
                while parent is not None and parent[0] is not elem:
                    first = parent[0]
                    other = first.tag
                    if isinstance(other, str) and local_name(other) != "person":
                        notes.unrecognised[("persons", other)] += 1
                    del parent[0]
            elif kind == "header":
                on_header(_header(elem, notes), elem.sourceline or 0)
                header_seen = True
                elem.clear(keep_tail=False)
            elif kind == "message":
                for child in elem:
                    name = local_name(child.tag) if isinstance(child.tag, str) else ""
                    if name not in ("header", "persons", ""):
                        notes.unrecognised[("message", child.tag)] += 1
                    elif name == "persons":
                        for rest in child:
                            if isinstance(rest.tag, str) and local_name(rest.tag) != "person":
                                notes.unrecognised[("persons", rest.tag)] += 1
    except etree.XMLSyntaxError as err:
        raise DataValidationError(
            f"{path}: not well-formed XML: {err.msg} (line {err.lineno}) "
            "(rule: malformed_xml)") from None
    if not header_seen:
        raise DataValidationError(
            f"{path}: not a SEN2 return: it has no Header (rule: not_sen2)")


def _header(elem, notes: Notes) -> dict:
    out: dict[str, str | None] = {}
    for child in elem.iter():
        if child is elem or not isinstance(child.tag, str):
            continue
        key = local_name(child.tag)
        if key in HEADER_FIELDS:
            text = child.text
            out.setdefault(key, text.strip() if text and text.strip() else None)
            notes.tag_lines.setdefault(key, child.sourceline or 0)
        elif key not in HEADER_GROUPS:
            notes.unrecognised[("header", child.tag)] += 1
    return out


def _record(elem, kind: str, notes: Notes) -> Record:
    fields, children = TREE[kind]
    out: Record = {"_line": elem.sourceline}
    lines, cache, texts = notes.tag_lines, _CACHE, _TEXT
    for child in elem:
        tag = child.tag
        key = cache.get(tag) or local_name(tag)
        if key in fields:
            text = child.text
            if text:
                text = text.strip()
                if not text:
                    text = None
                elif key not in _PERSONAL:
                    text = texts.setdefault(text, text)
            else:
                text = None
            out[key] = text
            if key not in lines:
                lines[key] = child.sourceline or 0
        elif key in children:
            if key in out:
                out[key].append(_record(child, key, notes))
            else:
                out[key] = [_record(child, key, notes)]
        else:
            notes.unrecognised[(kind, tag)] += 1
    return out
