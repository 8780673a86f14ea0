"""Load a model or dictionary once per process, even when threads ask for it at once."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import update_wrapper
from typing import Generic, TypeVar

_MISSING = object()
Key = TypeVar("Key")
Loaded = TypeVar("Loaded")


class LoadOnce(Generic[Key, Loaded]):
    """A cache around a loader: the first call per key loads, later calls reuse.

    Unlike ``functools.cache``, a thread that asks while another thread loads
    the same thing waits for it instead of loading a second copy. The cyclic
    garbage collector is paused while loading: models and dictionaries are
    hundreds of thousands of small objects it would otherwise walk again and
    again. A loader may call other ``LoadOnce`` loaders, and its own for
    another key. A failed load caches nothing.
    """

    def __init__(self, load: Callable[[Key], Loaded]) -> None:
        self._load = load
        self._loaded: dict[Key, Loaded] = {}
        self._lock = threading.RLock()
        update_wrapper(self, load)

    def __call__(self, key: Key) -> Loaded:
        """The loaded value for ``key``."""
        loaded = self._loaded.get(key, _MISSING)  # loaded already: no lock needed to read
        if loaded is not _MISSING:
            return loaded  # type: ignore[return-value]
        with self._lock:
            if key not in self._loaded:
                with collector_paused():
                    self._loaded[key] = self._load(key)
            return self._loaded[key]

    def cache_clear(self) -> None:
        """Forget everything loaded, so the next call loads again."""
        with self._lock:
            self._loaded.clear()

    def __reduce__(self) -> str:
        """Pickled by name, as the module-level function it decorates."""
        return self.__qualname__


class _Pauses:
    """The open pauses of the collector, and whether it was on when the first began."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.open = 0
        self.was_enabled = False


_PAUSES = _Pauses()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector; reference counting still frees memory.

    Building many long-lived objects (a model, a document's annotations) makes
    the collector walk them again and again for nothing. Pauses nest and
    overlap across threads: the collector is off from the first pause to the
    end of the last, then on again if it was on before.
    """
    with _PAUSES.lock:
        if _PAUSES.open == 0:
            _PAUSES.was_enabled = gc.isenabled()
            gc.disable()
        _PAUSES.open += 1
    try:
        yield
    finally:
        with _PAUSES.lock:
            _PAUSES.open -= 1
            if _PAUSES.open == 0 and _PAUSES.was_enabled:
                gc.enable()
