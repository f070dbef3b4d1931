"""A hostile dask worker, loaded with ``--preload``: what an attacker on the cluster can send.

It wraps the batch's task on this worker only; the area's params file name chooses
the attack:

- ``gift``: the result is an object whose unpickling opens (creates) the file
  ``UNPICKLED`` beside the params file, and so are the result's type, which dask
  sends the client pickled, and the ``warn`` event the worker sends first;
- ``raise``: the run raises an exception of a class only this worker has, and the
  error sent to the client is crafted the same way (its exception and traceback,
  once unpickled, create ``UNPICKLED`` and are not exceptions at all);
- ``die``: the worker process is killed mid-run (once it holds no other area's
  task or result);
- ``hang``: the run never ends (for as long as the cluster lives).

Any other area runs for real. Every run adds its area's name to ``runs.log`` beside
its params file. Nothing here runs in the client; the tests check that the client unpickled nothing.
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

import sendreport.run.batch as batch


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
    with (Path(params).parent / "runs.log").open("a", encoding="utf-8") as log:
        log.write(f"{name}\n")
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
        # once no other area's task or result is on this worker (the client releases
        # each result it has read), so that dask blames no other area for the death
        worker, waited = distributed.get_worker(), 0.0
        while len(worker.state.tasks) > 1 and waited < 60:
            time.sleep(0.1)
            waited += 0.1
        os.kill(os.getpid(), signal.SIGKILL)
    if name == "hang":
        time.sleep(3600)
    return batch._honest_run_on_cluster(params, out, pdf)


def crafted_error_message(e, status="error"):
    msg = distributed.worker._honest_error_message(e, status)
    if isinstance(e, HostileError):
        payload = pickle.dumps(Gift(e.marker))
        msg["exception"] = to_serialize(payload)
        msg["traceback"] = to_serialize(payload)
    return msg


def dask_setup(worker) -> None:
    """Called by dask in each worker that preloads this file (importing it changes nothing)."""
    if not hasattr(batch, "_honest_run_on_cluster"):  # dask may call this twice
        batch._honest_run_on_cluster = batch._run_on_cluster
        distributed.worker._honest_error_message = distributed.worker.error_message
    batch._run_on_cluster = hostile
    distributed.worker.error_message = crafted_error_message
