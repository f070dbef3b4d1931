"""Errors carry their facts as fields, set when they are made, and their exit code once."""

import ast
from pathlib import Path

import pytest

import sendreport
from sendreport.errors import (
    DataValidationError,
    DisclosureError,
    NotebookExecutionError,
    OutputError,
    ParameterError,
    SendReportError,
    error_class,
)
from sendreport.guard import Finding

PACKAGE = Path(sendreport.__file__).parent


def test_disclosure_error_holds_its_findings_from_construction():
    found = [Finding("NHS number", "report.html", 2)]
    with pytest.raises(DisclosureError) as info:
        raise DisclosureError("refused", found)
    assert info.value.findings == found
    assert info.value.exit_code == 3


def test_notebook_execution_error_fields():
    with pytest.raises(NotebookExecutionError) as info:
        raise NotebookExecutionError(
            "cell 4 failed", cell_index=3, ename="ZeroDivisionError", evalue="division by zero"
        )
    err = info.value
    assert (err.cell_index, err.ename, err.evalue, err.exit_code) == (
        3,
        "ZeroDivisionError",
        "division by zero",
        1,
    )


@pytest.mark.parametrize(
    ("cls", "code", "label"),
    [
        (ParameterError, 2, "error"),
        (DataValidationError, 2, "error"),
        (OutputError, 2, "error"),
        (DisclosureError, 3, "refused"),
        (NotebookExecutionError, 1, "failed"),
    ],
)
def test_a_cells_error_name_finds_its_class_and_exit_code(cls, code, label):
    assert error_class(cls.__name__) is cls
    assert (cls.exit_code, cls.label) == (code, label)


def test_names_that_are_not_sendreport_errors_have_no_class():
    assert error_class("ValueError") is None
    assert error_class("SendReportWarning") is None


def test_exit_codes_are_kept_only_on_the_error_classes():
    """No dict outside errors.py maps an error's name to an exit code, or an exit code to words."""
    names = {c.__name__ for c in (SendReportError, *SendReportError.__subclasses__())}
    tables = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "errors.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Dict):
                continue
            keys = [k.value for k in node.keys if isinstance(k, ast.Constant)]
            values = [v.value for v in node.values if isinstance(v, ast.Constant)]
            codes = {1, 2, 3}
            by_name = any(k in names for k in keys) and any(v in codes for v in values)
            if by_name or (keys and set(keys) <= codes):
                tables.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert tables == []
