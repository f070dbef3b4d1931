"""Exceptions and warnings raised by sendreport.

Each class is named for what the caller does differently, and each maps to one
exit code of the command line (SPEC section 2).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


class SendReportError(Exception):
    """Base class for errors raised by sendreport; ``exit_code`` is the command line's.

    Examples
    --------
    >>> issubclass(DisclosureError, SendReportError), SendReportError.exit_code
    (True, 1)
    >>> SendReportError.label, ParameterError.label, DisclosureError.label
    ('failed', 'error', 'refused')
    """

    exit_code = 1
    label = "failed"
    """The word the command line prints before the message (``sendreport: failed: ...``)."""


class ParameterError(SendReportError, ValueError):
    """Raised when a params file, plan file or argument has an invalid value.

    ``problems`` lists every problem found, one line each.

    Examples
    --------
    >>> err = ParameterError(["period_end: required", "plan: file not found"])
    >>> err.problems, err.exit_code
    (['period_end: required', 'plan: file not found'], 2)
    """

    exit_code = 2
    label = "error"

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


class DataValidationError(SendReportError):
    """Raised when input data cannot be used; ``failures`` is a DataFrame.

    ``failures`` has one row per problem with columns ``table``, ``file``,
    ``column``, ``rule``, ``count`` and ``example_rows``.

    Examples
    --------
    >>> err = DataValidationError("requests.csv: column received_date is missing")
    >>> err.exit_code, len(err.failures)
    (2, 0)
    """

    exit_code = 2
    label = "error"

    def __init__(self, message: str, failures: pd.DataFrame | None = None):
        if failures is None:
            import pandas as pd

            failures = pd.DataFrame()
        self.failures = failures
        super().__init__(message)


class NotebookExecutionError(SendReportError):
    """Raised when a cell of a report notebook fails (exit code 1).

    As papermill's ``PapermillExecutionError``, the facts are fields: the
    failing cell's ``cell_index`` in the author's notebook (from 0, without the
    injected parameters cell; ``None`` when no cell is to blame, e.g. the
    kernel did not start), the exception's name ``ename`` and its message
    ``evalue`` as the terminal shows it (one line, shortened, and withheld when
    it quotes the input data).

    Examples
    --------
    >>> err = NotebookExecutionError("cell 5 failed", cell_index=5, ename="KeyError",
    ...                              evalue="'kpi'")
    >>> err.exit_code, err.cell_index, err.ename, err.evalue
    (1, 5, 'KeyError', "'kpi'")
    >>> NotebookExecutionError("no kernel").cell_index is None
    True
    """

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        cell_index: int | None = None,
        ename: str | None = None,
        evalue: str | None = None,
    ):
        self.cell_index = cell_index
        self.ename = ename
        self.evalue = evalue
        super().__init__(message)


class DisclosureError(SendReportError):
    """Raised when the privacy guard refuses outputs (personal data found; exit code 3).

    ``findings`` lists what the guard found (``guard.Finding``: kind, where,
    count), empty when the refusal comes from elsewhere (a notebook cell).

    Examples
    --------
    >>> err = DisclosureError("report.html: NHS number")
    >>> err.exit_code, err.findings
    (3, [])
    """

    exit_code = 3
    label = "refused"

    def __init__(self, message: str, findings: Sequence[Any] = ()):
        self.findings = list(findings)
        super().__init__(message)


class OutputError(SendReportError):
    """Raised when the outputs cannot be written (exit code 2).

    Disk full, a read-only folder, a file where a folder should be, or an
    input file inside the folder the run would replace.
    """

    exit_code = 2
    label = "error"


def error_class(name: str) -> type[SendReportError] | None:
    """The sendreport error class called ``name``, or ``None``.

    A cell of a report notebook that raises a sendreport error keeps its
    command-line meaning: the runner sees only the exception's name, and reads
    the exit code from the class, the one place it is kept.

    Examples
    --------
    >>> error_class("DisclosureError").exit_code, error_class("ParameterError").exit_code
    (3, 2)
    >>> error_class("KeyError") is None, error_class("SendReportWarning") is None
    (True, True)
    """
    todo = [SendReportError]
    while todo:
        cls = todo.pop()
        if cls.__name__ == name:
            return cls
        todo.extend(cls.__subclasses__())
    return None


class SendReportWarning(UserWarning):
    """Base warning, e.g. for suppressed cells or short SPC series.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warnings.warn("3 months suppressed", SendReportWarning)
    >>> caught[0].category.__name__
    'SendReportWarning'
    """
