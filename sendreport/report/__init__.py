"""Report assembly: the pack the notebook shows, the exporter and the runner."""

from sendreport.report.pack import Pack

__all__ = ["Pack"]
