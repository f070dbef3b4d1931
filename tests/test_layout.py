"""The package's layout: running a notebook and the pack it shows are two rooms.

Read from the source with ``ast`` (every import, at the top of a module or inside a
function), so a lazy import cannot slip past.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import sendreport.pack

PACKAGE = Path(sendreport.pack.__file__).resolve().parents[1]
PACK_SIDE = sorted((PACKAGE / "pack").rglob("*.py"))
RUN_SIDE = sorted((PACKAGE / "run").rglob("*.py"))



def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, package: str | None = None) -> list[tuple[str, str | None, int]]:
    """(module, name or None, line) for every import in ``path``; relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    if package is None:
        own = module_name(path)
        package = own if path.name == "__init__.py" else own.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, None, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*up, base] if base else up)
            found += [(base, alias.name, node.lineno) for alias in node.names]
    return found


def test_the_modules_are_where_the_layout_says():
    assert PACK_SIDE and RUN_SIDE
    assert {p.name for p in RUN_SIDE} >= {
        "pipeline.py", "folders.py", "manifest.py", "verify.py", "batch.py", "forkserver.py",
        "exporter.py",
    }
    assert not {p.name for p in PACK_SIDE} & {"run.py", "exporter.py", "forkserver.py"}


@pytest.mark.parametrize("path", PACK_SIDE, ids=lambda p: p.name)
def test_no_module_of_the_pack_imports_the_runner(path):
    bad = [
        f"{path.name}:{line}: {module}{'.' + name if name else ''}"
        for module, name, line in imports(path)
        if module == "sendreport.run" or module.startswith("sendreport.run.")
        or (module == "sendreport" and name == "run")
    ]
    assert not bad, bad


@pytest.mark.parametrize("path", RUN_SIDE, ids=lambda p: p.name)
def test_the_runner_uses_the_pack_only_through_its_public_face(path):
    bad = [
        f"{path.name}:{line}: {module}{'.' + name if name else ''}"
        for module, name, line in imports(path)
        if module.startswith("sendreport.pack.")
        or (module == "sendreport.pack" and name is not None
            and name not in sendreport.pack.__all__)
    ]
    assert not bad, bad


def test_the_checker_sees_a_lazy_import_of_the_runner(tmp_path):
    planted = tmp_path / "sendreport" / "pack" / "planted.py"
    planted.parent.mkdir(parents=True)
    planted.write_text(
        "def f():\n    from sendreport.run.exporter import DOCUMENT_ROLE\n"
        "    from ..run import _private\n"
    )
    found = imports(planted, package="sendreport.pack")
    assert ("sendreport.run.exporter", "DOCUMENT_ROLE", 2) in found
    assert ("sendreport.run", "_private", 3) in found


def test_showing_the_pack_imports_no_printer():
    """A kernel that shows a pack imports neither nbconvert, WeasyPrint nor papermill."""
    pack_side = ", ".join(
        module_name(p) for p in PACK_SIDE if module_name(p) != "sendreport.pack.scaffold"
    )
    code = (
        f"import {pack_side}, sendreport.handoff, sendreport.outputs\n"
        "import sys\n"
        "print(sorted(m for m in ('nbconvert', 'weasyprint', 'papermill', 'sendreport.run')"
        " if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    assert result.stdout.strip() == "[]", result.stdout + result.stderr
