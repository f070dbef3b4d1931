"""Rules every module of the package keeps, checked on its source.

No error is swallowed by a catch-all (``except Exception: pass``, a bare
``except:``, ``contextlib.suppress(Exception)``), and no module uses another
module's underscored name: a name two modules need is public in the module
that owns it (STYLE, "a private inside, a short public face").
"""

import ast
from pathlib import Path

import sendreport

PACKAGE = Path(sendreport.__file__).parent
CATCH_ALL = {"Exception", "BaseException"}


def modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path.relative_to(PACKAGE.parent), ast.parse(path.read_text(encoding="utf-8"))


def _names(node):
    if node is None:
        return set()
    parts = node.elts if isinstance(node, ast.Tuple) else [node]
    return {p.id for p in parts if isinstance(p, ast.Name)}


def swallowed(tree):
    """Lines where an error is caught by a catch-all and dropped."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler):
            if node.type is None:
                yield node.lineno  # bare except:
            elif _names(node.type) & CATCH_ALL and all(
                isinstance(s, ast.Pass | ast.Continue) for s in node.body
            ):
                yield node.lineno
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) == "suppress"
            and any(_names(a) & CATCH_ALL for a in node.args)
        ):
            yield node.lineno


def private_uses(tree, own: str):
    """Underscored names this module takes from another sendreport module."""
    modules_here = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            source = node.module or ""
            if node.level == 0 and not source.startswith("sendreport"):
                continue
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    yield f"from {source} import {alias.name} (line {node.lineno})"
                elif node.level == 0:
                    modules_here[alias.asname or alias.name] = f"{source}.{alias.name}"
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("sendreport") and alias.asname:
                    modules_here[alias.asname] = alias.name
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules_here
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and modules_here[node.value.id] != own
        ):
            yield f"{node.value.id}.{node.attr} (line {node.lineno})"


def test_no_error_is_swallowed_by_a_catch_all():
    found = [f"{path}:{line}" for path, tree in modules() for line in swallowed(tree)]
    assert found == []


def test_no_module_uses_another_modules_underscored_name():
    found = []
    for path, tree in modules():
        own = ".".join(path.with_suffix("").parts)
        found += [f"{path}: {use}" for use in private_uses(tree, own)]
    assert found == []


def test_the_checks_find_what_they_look_for():
    planted = ast.parse(
        "try:\n    f()\nexcept Exception:\n    pass\n"
        "try:\n    f()\nexcept:\n    raise\n"
        "with contextlib.suppress(BaseException):\n    f()\n"
        "try:\n    f()\nexcept (OSError, ValueError):\n    pass\n"
    )
    assert list(swallowed(planted)) == [3, 7, 9]
    planted = ast.parse(
        "from sendreport.metrics import ehcp\n"
        "from sendreport.pack.run import _safe_message\n"
        "ehcp._open_by_period\nehcp.open_by_period\n"
    )
    assert list(private_uses(planted, "sendreport.other")) == [
        "from sendreport.pack.run import _safe_message (line 2)",
        "ehcp._open_by_period (line 3)",
    ]
