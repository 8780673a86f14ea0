import gc
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from pipeline.annotate import load_annotator
from pipeline.classify import forget_loaded_models, load_model
from pipeline.loading import LoadOnce, collector_paused
from pipeline.settings import Settings


def test_threads_that_ask_at_once_share_one_load():
    calls = []
    collecting = []
    entered = threading.Event()

    @LoadOnce
    def slow_load(key: str) -> object:
        calls.append(key)
        collecting.append(gc.isenabled())
        entered.set()
        time.sleep(0.2)
        return object()

    with ThreadPoolExecutor(max_workers=4) as pool:
        first = pool.submit(slow_load, "a")
        entered.wait()
        others = [pool.submit(slow_load, "a") for _ in range(3)]
        loaded = {id(future.result()) for future in [first, *others]}
    assert calls == ["a"] and len(loaded) == 1
    assert collecting == [False] and gc.isenabled()  # paused while loading, then back on
    slow_load.cache_clear()
    slow_load("a")
    assert calls == ["a", "a"]


def test_the_annotator_and_model_are_loaded_once_for_many_threads():
    load_annotator.cache_clear()  # about a second to load again, so the threads meet
    forget_loaded_models()
    with ThreadPoolExecutor(max_workers=4) as pool:
        annotators = list(pool.map(lambda _: load_annotator(Settings().annotator_dir), range(8)))
        models = list(pool.map(lambda _: load_model(Settings().model_dir), range(8)))
    assert all(annotator is annotators[0] for annotator in annotators)
    assert all(model is models[0] for model in models)


def test_a_failed_load_caches_nothing_and_turns_the_collector_back_on(tmp_path):
    attempts = []

    @LoadOnce
    def load_file(path: str) -> str:
        attempts.append(path)
        with open(path, encoding="utf-8") as handle:
            return handle.read()

    missing = str(tmp_path / "model.txt")
    with pytest.raises(FileNotFoundError):
        load_file(missing)
    assert gc.isenabled()
    (tmp_path / "model.txt").write_text("weights", encoding="utf-8")
    assert load_file(missing) == "weights" and attempts == [missing, missing]


def test_a_loader_may_load_another_key_of_its_own():
    @LoadOnce
    def chain(depth: int) -> int:
        return 0 if depth == 0 else chain(depth - 1) + 1

    assert chain(3) == 3


def test_overlapping_pauses_keep_the_collector_off_until_the_last_ends():
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def first() -> None:
        with collector_paused():
            first_in.set()
            second_in.wait()
        first_out.set()

    def second() -> None:
        first_in.wait()
        with collector_paused():
            second_in.set()
            first_out.wait()
            seen["after the first ended"] = gc.isenabled()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {"after the first ended": False} and gc.isenabled()
