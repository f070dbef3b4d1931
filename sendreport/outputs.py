"""What a run and the pack it shows both need: the output role names, the style sheet, versions.

The pack (``sendreport.pack``) shows its parts in a notebook; the runner
(``sendreport.run``) executes the notebook and prints it. Neither imports the
other's modules: what both read lives here, and importing it imports neither
nbconvert nor WeasyPrint, so a kernel that shows a pack never loads the printer.
"""

from __future__ import annotations

import hashlib
import platform
import unicodedata
from importlib import metadata
from pathlib import Path
from typing import Any

from markupsafe import Markup

DOCUMENT_ROLE = "document"
"""Role of the display output that carries the document's title, area and marking."""

STYLE_SHEET = Path(__file__).parent / "data" / "report.css"
"""The pack's print style sheet, used by the report and by the confidential annex."""

PACKAGES = (
    "sendreport",
    "pandas",
    "numpy",
    "pandera",
    "pydantic",
    "papermill",
    "nbconvert",
    "nbformat",
    "ipykernel",
    "matplotlib",
    "seaborn",
    "afcharts",
    "weasyprint",
)
"""Packages whose versions shape the outputs (in ``manifest.json`` and Appendix D)."""

_CSS_SAFE = frozenset(" -_.,:;()'&/!?+%#")


def style_sheet() -> str:
    """The text of the pack's print style sheet (:data:`STYLE_SHEET`).

    Examples
    --------
    >>> "@page" in style_sheet()
    True
    """
    return STYLE_SHEET.read_text(encoding="utf-8")


def css_string(value: Any) -> Markup:
    r"""Escape a value for use inside a double-quoted CSS string in a ``<style>`` block.

    Letters, digits, spaces and a few punctuation marks stay as they are; quotes
    and backslashes are backslash-escaped; line breaks become spaces; anything
    else (``<`` and ``>`` among them) becomes a CSS hex escape, so the
    value can neither end the string nor close the ``<style>`` element.

    Examples
    --------
    >>> print(css_string('Say "hi"'))
    Say \"hi\"
    >>> print(css_string("OFFICIAL</style>") + "|")
    OFFICIAL\3c /style\3e |
    """
    out = []
    for ch in str(value or ""):
        if ch in "\r\n\t\f":
            out.append(" ")
        elif ch in '"\\':
            out.append("\\" + ch)
        elif ch.isalnum() or ch in _CSS_SAFE:
            out.append(ch)
        elif unicodedata.category(ch).startswith("C"):
            continue  # control and unassigned characters: nothing to print
        else:
            out.append(f"\\{ord(ch):x} ")  # the space ends the escape and is not printed
    return Markup("".join(out))


def sha256_file(path: str | Path) -> str:
    """Return the hex sha256 of a file's bytes, read in chunks.

    Examples
    --------
    >>> sha256_file(STYLE_SHEET) == hashlib.sha256(STYLE_SHEET.read_bytes()).hexdigest()
    True
    """
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def package_versions() -> dict[str, str]:
    """Installed versions of the packages that shape the outputs (:data:`PACKAGES`).

    Examples
    --------
    >>> sorted(package_versions())[:2]
    ['afcharts', 'ipykernel']
    """
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


__all__ = [
    "DOCUMENT_ROLE",
    "PACKAGES",
    "STYLE_SHEET",
    "css_string",
    "package_versions",
    "sha256_file",
    "style_sheet",
]
