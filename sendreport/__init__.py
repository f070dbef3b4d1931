"""sendreport: progress evidence packs for local-area SEND improvement plans."""

from __future__ import annotations

__version__ = "0.1.0"
