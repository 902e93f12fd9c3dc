"""Work done beside the run in a forked process (Linux): its own interpreter lock, nothing copied.

A forked child shares the run's memory until either side writes to it, so the estate's
tables are not copied or pickled; the child sends back small messages as it goes and what
its work returned. On two cores this is what lets writers that hold the interpreter (pandas'
CSV rows, matplotlib) run beside the map instead of taking turns with it: threads that call
into C a few thousand times each wait for the lock on every return while another thread
runs Python (measured: the board pack's thread took 12.8 s of wall for 6.9 s of CPU).
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection

from ._errors import OutputError

#: Linux only: macOS has ``fork`` but some of its system libraries are not safe in a forked
#: child of a process with threads (a hang there would stop the run; a crash is caught).
CAN_FORK = sys.platform == "linux" and "fork" in multiprocessing.get_all_start_methods()
#: What the work is given: ``send(message)`` posts a (picklable) message to the run.
Send = Callable[[object], None]


def peak_mb() -> float | None:
    """The process's peak resident memory so far, in MB (None where the OS does not say)."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def give_back_memory() -> None:
    """Return freed memory to the system: Arrow's pool and the C library keep what they free for
    reuse, which in a process beside the run counts twice (measured: 330 MB after the
    1,000,000-asset opportunities.csv, 16 MB once given back)."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)  # glibc


@dataclass
class Done:
    """What a forked process's work returned, with its seconds, CPU seconds and peak MB."""

    value: object
    seconds: float
    cpu_s: float
    peak_mb: float | None


class _End:
    """The last message: the work's outcome (a :class:`Done`, or the exception it raised)."""

    def __init__(self, outcome: Done | BaseException) -> None:
        self.outcome = outcome


def _die_with_parent() -> None:
    """Linux: have this (forked) process killed when the run's process dies, so a run stopped
    from outside leaves nothing writing into its staging folder."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _child(conn: Connection, work: Callable[[Send], object]) -> None:
    """In the forked process: do the work, then send back what it returned (or its exception)."""
    _die_with_parent()
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        value = work(conn.send)
        outcome: Done | BaseException = Done(
            value, time.perf_counter() - t0, time.process_time() - c0, peak_mb()
        )
    except BaseException as exc:  # sent back to be raised in the run's process
        outcome = exc
    try:
        conn.send(_End(outcome))
    except Exception as exc:  # an exception that cannot be pickled: its words are enough
        conn.send(_End(OutputError(f"{type(exc).__name__}: {exc}")))
    conn.close()


class Forked:
    """``work(send)`` in a forked process, started now.

    :attr:`started` is False where no process could be had (not Linux, or the system's
    limits): the caller then does the work itself. Messages the work sends are handed to
    :meth:`receive`'s callback as they arrive.
    """

    def __init__(self, work: Callable[[Send], object], *, fork: bool = True) -> None:
        self.process: multiprocessing.process.BaseProcess | None = None
        self.conn: Connection | None = None
        if not (fork and CAN_FORK):
            return
        ctx = multiprocessing.get_context("fork")
        reader, writer = ctx.Pipe(duplex=False)
        # The child's garbage collector leaves the run's objects alone (it would write to every
        # one it visits, and each page it writes to is copied): they are frozen while forking.
        gc.freeze()
        try:
            self.process = ctx.Process(target=_child, args=(writer, work), daemon=True)
            self.process.start()
            self.conn = reader
        except OSError:  # no process to be had (limits): done in the run's process instead
            self.process = None
            reader.close()
        finally:
            gc.unfreeze()
            writer.close()

    @property
    def started(self) -> bool:
        return self.conn is not None

    def receive(self, on_message: Callable[[object], None]) -> Done | None:
        """Wait for the work: its messages to ``on_message``, then what it returned.

        Returns None when the process died before finishing (killed, out of memory) or was
        never started; raises the exception the work raised.
        """
        if self.conn is None:
            return None
        try:
            while True:
                message = self.conn.recv()
                if isinstance(message, _End):
                    break
                on_message(message)
        except EOFError:  # the process died
            return None
        finally:
            self.stop(kill=False)
        if isinstance(message.outcome, BaseException):
            raise message.outcome
        return message.outcome

    def stop(self, *, kill: bool = True) -> None:
        """Wait for the process to end (``kill``: end it now, as when the run stopped) and close the pipe."""
        if self.process is not None:
            if kill and self.process.is_alive():
                self.process.terminate()
            self.process.join()
            self.process = None
        if self.conn is not None:
            self.conn.close()
            self.conn = None
