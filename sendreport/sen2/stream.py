"""Read a SEN2 XML return one ``Person`` at a time, safely.

The file is never held whole in memory: lxml's ``iterparse`` hands over each
element when it ends; a ``Person`` is turned into plain records
(:data:`~sendreport.sen2.codes.TREE`) and then freed, and an element the
reader does not use (a tag it does not know, or one in the wrong place) is
counted as unrecognised and freed at once, with everything inside it, so
junk anywhere in a file costs no memory. A ``Person`` or ``Header`` of more
than :data:`MAX_ELEMENTS` elements is refused, which bounds the work and the
memory one record can take. The format (the spelling of ``Person`` and the
year's tags) is found from this one streaming pass, wherever the first
person starts.

Entities are never resolved and nothing is fetched from the network. The
parser itself (which detects the file's encoding, whatever it is) reports a
``DOCTYPE`` declaration, the only way to declare entities as in the "billion
laughs" attack; a return that has one is refused before any element of it is
read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sendreport.errors import DataValidationError
from sendreport.sen2.codes import ALIASES, HEADER_FIELDS, HEADER_GROUPS, TREE

MAX_ELEMENTS = 500_000
"""Elements one ``Person`` (or the ``Header``) may hold: a real person has fewer than a
hundred; 500,000 leave room for tens of thousands of requests."""

MEMORY_FACTOR = 5
"""Memory needed to read a return, as a multiple of its XML file's size (measured: 0.95 GB
for a 230 MB return of 200,000 persons, ``bench/bench_sen2.py``)."""

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


_CACHE: dict[str, str] = {}
_TEXT: dict[str, str] = {}
_PERSONAL = frozenset({"surname", "forename", "personbirthdate", "postcode", "upn",
                       "uniquelearnernumber"})


_SAFE = {"resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False,
         "remove_comments": True, "remove_pis": True}
"""lxml parser options: no entity resolved, no DTD or network fetch, libxml2's size limits."""

_USES: dict[str, frozenset[str]] = {
    **{kind: fields | children for kind, (fields, children) in TREE.items()},
    "message": frozenset({"header", "persons", "person"}),  # Person without Persons: read
    "persons": frozenset({"person"}),
    **dict.fromkeys(("header", *HEADER_GROUPS), HEADER_FIELDS | HEADER_GROUPS),
}
"""Each element the reader reads, and the children of it that it uses (lower case)."""

_LEAVES = frozenset().union(HEADER_FIELDS, *(fields for fields, _ in TREE.values()))
"""Tags that hold a value: kept as they end, freed with their Person or Header."""


def check_size(path: Path, size: int, factor: int) -> None:
    """Refuse a return too large to read in the memory available, before reading it.

    Parameters
    ----------
    path
        The file or folder, for the message.
    size
        Its size in bytes.
    factor
        Memory needed as a multiple of the size (:data:`MEMORY_FACTOR` for XML).

    Raises
    ------
    DataValidationError
        With rule ``too_large_for_memory`` (exit code 2).

    Examples
    --------
    >>> check_size(Path("sen2.xml"), 1_000, MEMORY_FACTOR)  # a kilobyte always fits
    """
    from sendreport.io import available_memory

    needed = size * factor
    available = available_memory()
    if available is not None and needed > available:
        raise DataValidationError(
            f"{path}: is {size / 1e6:,.1f} MB; reading it needs about {needed / 1e6:,.0f} MB "
            f"of memory but only {available / 1e6:,.0f} MB is available; run on a machine "
            "with more memory (rule: too_large_for_memory)")


def root_element(path: Path) -> str:
    """Return the root element's tag; refuse a DOCTYPE, whatever the file's encoding.

    The XML parser reads the prolog (it finds the encoding from the bytes, with
    or without a byte-order mark or declaration) and stops at the root element.

    Raises
    ------
    DataValidationError
        If the file declares a DOCTYPE (rule ``xml_doctype``), is not
        well-formed (``malformed_xml``) or has no element (``not_sen2``).

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "r.xml"
    >>> _ = p.write_bytes('<!-- a note --><Message><Header/></Message>'.encode("utf-16"))
    >>> root_element(p)
    'Message'
    >>> _ = p.write_bytes('<?xml version="1.0" encoding="UTF-16BE"?><!DOCTYPE Message>'
    ...                   '<Message/>'.encode("utf-16-be"))  # no byte-order mark
    >>> try:
    ...     root_element(p)
    ... except DataValidationError as err:
    ...     print(str(err).rpartition("(")[2])
    rule: xml_doctype)
    """
    from lxml import etree

    if path.stat().st_size == 0:
        raise DataValidationError(
            f"{path}: not an XML file: it is empty, no element found (rule: not_sen2)")
    with path.open("rb") as fh:
        try:
            for _, elem in etree.iterparse(fh, events=("start",), **_SAFE):
                info = elem.getroottree().docinfo
                if info.doctype or info.internalDTD is not None:
                    raise DataValidationError(
                        f"{path}: the file declares a DOCTYPE; a SEN2 return never does, and "
                        "declarations can expand entities to attack the reader: refused "
                        "(rule: xml_doctype)")
                return elem.tag
        except etree.XMLSyntaxError as err:
            raise DataValidationError(
                f"{path}: not well-formed XML: {err.msg} (line {err.lineno}) "
                "(rule: malformed_xml)") from None
    raise DataValidationError(
        f"{path}: not an XML file: no element found (rule: not_sen2)")


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
        If the file is not well-formed XML, declares a DOCTYPE, is not a SEN2
        return (root ``Message`` with a ``Header``), or a ``Person`` or the
        ``Header`` holds more than :data:`MAX_ELEMENTS` elements.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "r.xml"
    >>> _ = p.write_text("<Message><!-- " + "x" * (2 << 20) + " --><Header><Year>2025</Year>"
    ...                  "</Header><Junk><a/><a/></Junk><Persons><person><UPN>A1</UPN>"
    ...                  "</person></Persons></Message>")
    >>> people, notes = [], Notes()
    >>> read_xml(p, lambda fields, line: None, people.append, notes)
    >>> people, dict(notes.unrecognised)
    ([{'_line': 1, 'upn': 'A1'}], {('message', 'Junk'): 1})
    """
    from lxml import etree

    root = root_element(path)
    if local_name(root) != "message":
        raise DataValidationError(
            f"{path}: not a SEN2 return: its root element is {root.rpartition('}')[2]!r}, "
            "not 'Message' (rule: not_sen2)")
    # the file is opened here, not by lxml, so it is closed when the read stops early
    # (the end of Message, or a refusal) as well as at its end
    with path.open("rb") as fh:
        _read_elements(path, etree.iterparse(fh, events=("end",), **_SAFE), on_header,
                       on_person, notes)


def _read_elements(path: Path, events, on_header: Callable[[dict, int], None],
                   on_person: Callable[[Record], None], notes: Notes) -> None:
    from lxml import etree

    header_seen = False
    held = 0  # elements kept since the last Person or Header ended
    uses, leaves, cache, unrecognised = _USES, _LEAVES, _CACHE, notes.unrecognised
    try:
        for _, elem in events:
            tag = elem.tag
            kind = cache.get(tag)
            if kind is None:
                if not isinstance(tag, str):
                    raise DataValidationError(
                        f"{path}: line {elem.sourceline}: an entity reference; a SEN2 return "
                        "never uses one: refused (rule: xml_entity)")
                kind = local_name(tag)
            if kind in leaves:  # most elements: kept, counted, no look at the parent
                held += 1
                if held > MAX_ELEMENTS:
                    _too_many(path, elem)
                continue
            parent = elem.getparent()
            if parent is None:
                break  # the end of Message
            within = cache.get(parent.tag) or local_name(parent.tag)
            used = uses.get(within)
            if used is None:  # inside an element not read: freed with it
                parent.remove(elem)
            elif kind not in used:
                unrecognised[("header" if within in HEADER_GROUPS else within, tag)] += 1
                parent.remove(elem)
            elif kind == "person":
                if not header_seen:
                    raise DataValidationError(
                        f"{path}: not a SEN2 return: no Header before the first Person "
                        "(rule: not_sen2)")
                on_person(_record(elem, "person", notes))
                parent.remove(elem)
                held = 0
            elif kind == "header":
                on_header(_header(elem, notes), elem.sourceline or 0)
                header_seen = True
                parent.remove(elem)
                held = 0
            else:
                held += 1
                if held > MAX_ELEMENTS:
                    _too_many(path, elem)
    except etree.XMLSyntaxError as err:
        raise DataValidationError(
            f"{path}: not well-formed XML: {err.msg} (line {err.lineno}) "
            "(rule: malformed_xml)") from None
    if not header_seen:
        raise DataValidationError(
            f"{path}: not a SEN2 return: it has no Header (rule: not_sen2)")

def _too_many(path: Path, elem) -> None:
    raise DataValidationError(
        f"{path}: line {elem.sourceline}: more than {MAX_ELEMENTS:,} elements in one Person "
        "(or the Header, or between two persons); a child's record holds fewer than a "
        "hundred: refused (rule: too_many_elements)")


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
