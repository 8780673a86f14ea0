"""Warm worker processes: the executor of the ``process`` runner.

Each worker imports the pipeline (not Prefect) and loads the annotator and the
steering model once. The pool is started before it is needed (while Prefect
starts, say) and stays up for later refreshes in the same process. A worker
ends as soon as the process that started it ends, even in the middle of a
document.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import suppress
from typing import ParamSpec, TypeVar

from pipeline.errors import SedimentError
from pipeline.settings import Settings

Param = ParamSpec("Param")
Result = TypeVar("Result")
_PARENT_POLL_SECONDS = 0.1


class WorkerDied(Exception):
    """A worker process ended while it ran a call (killed, out of memory, or a crash in C)."""


class _Pool:
    """The one shared pool of this process, replaced when it breaks or is resized."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.executor: ProcessPoolExecutor | None = None
        self.size = 0


_SHARED = _Pool()


def _end_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(_PARENT_POLL_SECONDS)
    os._exit(1)  # the refresh that wanted this work is gone: write nothing more


def _warm_up(parent: int, annotator_dir: str, model_dir: str) -> None:
    threading.Thread(target=_end_with_parent, args=(parent,), daemon=True).start()
    from pipeline.annotate import load_annotator
    from pipeline.classify import load_model

    with suppress(SedimentError):  # a missing model: the first batch raises the same error
        load_annotator(annotator_dir)
        load_model(model_dir)


def _new_executor(size: int, settings: Settings) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=size,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_warm_up,
        initargs=(os.getpid(), str(settings.annotator_dir), str(settings.model_dir)),
    )


def start(settings: Settings) -> None:
    """Start ``settings.workers`` warm workers now, unless they run already.

    Returns at once; the workers import the pipeline and load their models in
    the background, meanwhile the caller can import Prefect or plan a refresh.
    """
    _shared_executor(settings)


def _shared_executor(settings: Settings) -> ProcessPoolExecutor:
    with _SHARED.lock:
        if _SHARED.executor is not None and _SHARED.size == settings.workers:
            return _SHARED.executor
        if _SHARED.executor is not None:
            _SHARED.executor.shutdown(wait=False, cancel_futures=True)
        _SHARED.executor = _new_executor(settings.workers, settings)
        _SHARED.size = settings.workers
        for _ in range(settings.workers):  # a pool starts a process per pending call
            _SHARED.executor.submit(time.sleep, 0)
        return _SHARED.executor


def run(
    settings: Settings,
    function: Callable[Param, Result],
    *args: Param.args,
    **kwargs: Param.kwargs,
) -> Result:
    """``function(*args, **kwargs)`` in one of the shared warm workers.

    Raises:
        WorkerDied: The worker ended during the call; the pool is replaced for
            later calls. Calls of other threads that were waiting fail too.
    """
    executor = _shared_executor(settings)
    try:
        return _result(executor.submit(function, *args, **kwargs))
    except WorkerDied:
        with _SHARED.lock:
            if _SHARED.executor is executor:
                _SHARED.executor = None
        raise


def run_alone(
    settings: Settings,
    function: Callable[Param, Result],
    *args: Param.args,
    **kwargs: Param.kwargs,
) -> Result:
    """``function(*args, **kwargs)`` in a new worker of its own, which ends with the call.

    For a call that may kill its worker: nothing else dies with it.

    Raises:
        WorkerDied: The worker ended during the call.
    """
    with _new_executor(1, settings) as executor:
        return _result(executor.submit(function, *args, **kwargs))


def stop() -> None:
    """End the shared workers (they also end with this process)."""
    with _SHARED.lock:
        if _SHARED.executor is not None:
            _SHARED.executor.shutdown(wait=True, cancel_futures=True)
        _SHARED.executor = None


def _result(future: Future[Result]) -> Result:
    try:
        return future.result()
    except BrokenProcessPool as error:
        raise WorkerDied(str(error)) from error
