"""A hostile dask worker, loaded with ``--preload``: what an attacker on the cluster can send.

It wraps the batch's task on this worker only; the area's params file name chooses
the attack (any other area runs for real):

- ``gift``: the result is an object whose unpickling opens (creates) the file
  ``UNPICKLED`` beside the params file, and so are the result's type, which dask
  sends the client pickled, and the ``warn`` event the worker sends first;
- ``raise``: the run raises an exception of a class only this worker has, and the
  error sent to the client is crafted the same way (its exception and traceback,
  once unpickled, create ``UNPICKLED`` and are not exceptions at all);
- ``die``: the worker process is killed mid-run, every time it runs the area;
- ``hang``: the run never ends (for as long as the cluster lives).

Nothing here runs in the client; the tests check that the client unpickled nothing.
"""

from __future__ import annotations

import copyreg
import os
import pickle
import signal
import time
from pathlib import Path

import distributed
import distributed.worker
from distributed.protocol import to_serialize

import sendreport.report.batch as batch

_real = getattr(batch, "_honest_run_on_cluster", batch._run_on_cluster)
batch._honest_run_on_cluster = _real  # the preload may run twice in one process
_real_error_message = getattr(distributed.worker, "_honest_error_message", None) or (
    distributed.worker.error_message
)
distributed.worker._honest_error_message = _real_error_message


class GiftType(type):
    """The class of :class:`Gift`: dask sends a result's type pickled, and so it is a gift too."""


class Gift(metaclass=GiftType):
    """Unpickled, it creates ``marker``: proof that the receiver ran code it was sent."""

    marker = ""

    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


copyreg.pickle(GiftType, lambda cls: (open, (cls.marker, "w")))


class HostileError(Exception):
    """An exception class the client does not have."""

    marker = ""


def hostile(params, out, pdf):
    name = Path(params).stem
    marker = str(Path(params).parent / "UNPICKLED")
    if name == "gift":
        Gift.marker = marker
        # a "warn" event, which dask's client unpickles for every subscriber
        payload = pickle.dumps(Gift(marker))
        distributed.get_worker().log_event("warn", {"message": payload, "category": payload})
        return Gift(marker)
    if name == "raise":
        err = HostileError("from a module only the worker has")
        err.marker = marker
        raise err
    if name == "die":
        os.kill(os.getpid(), signal.SIGKILL)
    if name == "hang":
        time.sleep(3600)
    return _real(params, out, pdf)


def crafted_error_message(e, status="error"):
    msg = _real_error_message(e, status)
    if isinstance(e, HostileError):
        payload = pickle.dumps(Gift(e.marker))
        msg["exception"] = to_serialize(payload)
        msg["traceback"] = to_serialize(payload)
    return msg


batch._run_on_cluster = hostile
distributed.worker.error_message = crafted_error_message
