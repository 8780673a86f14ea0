"""Warm worker processes: the executor of the ``process`` runner.

Each worker imports the pipeline (not Prefect) and loads the annotator and the
steering model once. The shared pool is started before it is needed (while
Prefect starts, say) and serves later refreshes in the same process until the
models on disk change. A worker ends within milliseconds of the process that
started it, even in the middle of a document, and ignores Ctrl-C (its parent
handles it).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from types import TracebackType
from typing import ParamSpec, TypeVar

from pipeline.settings import Settings

Param = ParamSpec("Param")
Result = TypeVar("Result")
log = logging.getLogger(__name__)


class WorkerDied(Exception):
    """A worker process ended during a call (killed, out of memory, or a crash in C)."""


def _end_with_parent() -> None:
    parent = multiprocessing.parent_process()
    if parent is not None:
        parent.join()  # returns when the parent's end closes its sentinel pipe
    os._exit(1)  # the refresh that wanted this work is gone: write nothing more


def _init_worker() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_end_with_parent, daemon=True).start()


def _warm_up(annotator_dir: str, model_dir: str) -> None:
    from pipeline.annotate import load_annotator
    from pipeline.classify import load_model

    load_annotator(annotator_dir)
    load_model(model_dir)


def _log_failed_warm_up(future: Future[None]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.warning(
            "a worker could not load its models (%s); a batch will say why", future.exception()
        )


def _new_executor(size: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=size, mp_context=multiprocessing.get_context("spawn"), initializer=_init_worker
    )


def _models_on_disk(settings: Settings) -> tuple[object, ...]:
    """The model folders and their files' change times: a new key means new models."""
    stamps: list[object] = [settings.workers]
    for folder in (Path(settings.annotator_dir).resolve(), Path(settings.model_dir).resolve()):
        files = sorted(folder.iterdir()) if folder.is_dir() else []
        stamps.append((str(folder), [(p.name, p.stat().st_mtime_ns) for p in files]))
    return tuple(stamps)


class _Shared:
    """The one shared pool of this process and the models it was started for."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.executor: ProcessPoolExecutor | None = None
        self.key: tuple[object, ...] = ()

    def executor_for(self, settings: Settings) -> ProcessPoolExecutor:
        """The pool for ``settings``; a new one if there is none or the models changed."""
        key = _models_on_disk(settings)
        with self.lock:
            if self.executor is not None and self.key == key:
                return self.executor
            if self.executor is not None:
                self.executor.shutdown(wait=False)  # its running calls still finish
            self.executor, self.key = _new_executor(settings.workers), key
            for _ in range(settings.workers):  # a pool starts one process per waiting call
                warm = self.executor.submit(
                    _warm_up, str(settings.annotator_dir), str(settings.model_dir)
                )
                warm.add_done_callback(_log_failed_warm_up)
            return self.executor

    def discard(self, executor: ProcessPoolExecutor) -> None:
        """Stop handing out ``executor`` (broken or replaced)."""
        with self.lock:
            if self.executor is executor:
                self.executor = None
        executor.shutdown(wait=False)

    def stop(self) -> None:
        """End the pool's workers and wait for them."""
        with self.lock:
            executor, self.executor = self.executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)


_SHARED = _Shared()


def start(settings: Settings) -> None:
    """Start ``settings.workers`` warm workers now, unless they run already.

    Returns at once; the workers import the pipeline and load their models in
    the background, meanwhile the caller can import Prefect or plan a refresh.
    """
    _SHARED.executor_for(settings)


def stop() -> None:
    """End the shared workers and wait for them (they also end with this process)."""
    _SHARED.stop()


def run(
    settings: Settings,
    function: Callable[Param, Result],
    *args: Param.args,
    **kwargs: Param.kwargs,
) -> Result:
    """``function(*args, **kwargs)`` in one of the shared warm workers.

    A pool that broke or was replaced before the call began is replaced, and
    the call goes to the new one.

    Raises:
        WorkerDied: A worker of the pool ended while the call waited or ran.
            The pool is replaced for later calls.
    """
    executor = _SHARED.executor_for(settings)
    try:
        future = executor.submit(function, *args, **kwargs)
    except RuntimeError:  # BrokenProcessPool, or shut down by another thread: the call never ran
        _SHARED.discard(executor)
        executor = _SHARED.executor_for(settings)
        future = executor.submit(function, *args, **kwargs)
    try:
        return future.result()
    except BrokenProcessPool as error:
        _SHARED.discard(executor)
        raise WorkerDied(str(error)) from error


class Isolated:
    """A worker process of its own, for calls that may kill their worker.

    The worker serves call after call; when one kills it, that call raises
    :class:`WorkerDied` and the next call gets a new worker.
    """

    def __init__(self) -> None:
        self._executor: ProcessPoolExecutor | None = None

    def run(
        self, function: Callable[Param, Result], *args: Param.args, **kwargs: Param.kwargs
    ) -> Result:
        """``function(*args, **kwargs)`` in this worker.

        Raises:
            WorkerDied: The worker ended during the call.
        """
        if self._executor is None:
            self._executor = _new_executor(1)
        try:
            return self._executor.submit(function, *args, **kwargs).result()
        except BrokenProcessPool as error:
            self._executor.shutdown(wait=False)
            self._executor = None
            raise WorkerDied(str(error)) from error

    def __enter__(self) -> Isolated:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
