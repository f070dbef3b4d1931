"""Exceptions and warnings raised by sendreport.

Each class is named for what the caller does differently, and each maps to one
exit code of the command line (SPEC section 2).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


class SendReportError(Exception):
    """Base class for errors raised by sendreport; ``exit_code`` is the command line's.

    Examples
    --------
    >>> issubclass(DisclosureError, SendReportError), SendReportError.exit_code
    (True, 1)
    """

    exit_code = 1


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

    def __init__(self, message: str, failures: pd.DataFrame | None = None):
        if failures is None:
            import pandas as pd

            failures = pd.DataFrame()
        self.failures = failures
        super().__init__(message)


class NotebookExecutionError(SendReportError):
    """Raised when a cell of a report notebook fails (exit code 1).

    Examples
    --------
    >>> NotebookExecutionError("cell 5 failed").exit_code
    1
    """

    exit_code = 1


class DisclosureError(SendReportError):
    """Raised when the privacy guard refuses outputs (personal data found; exit code 3).

    Examples
    --------
    >>> DisclosureError("report.html: NHS number").exit_code
    3
    """

    exit_code = 3


class OutputError(SendReportError):
    """Raised when the outputs cannot be written (exit code 2).

    Disk full, a read-only folder, a file where a folder should be, or an
    input file inside the folder the run would replace.
    """

    exit_code = 2


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
