import multiprocessing
import operator
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from pipeline import refresh, workers
from pipeline.classify import load_model
from pipeline.errors import SedimentError
from pipeline.settings import Settings
from tests.conftest import ROOT

SETTINGS = Settings(workers=2, progress=False)


@pytest.fixture(autouse=True)
def no_shared_pool():
    """Each test starts and ends without the shared pool, so its processes are its own."""
    workers.stop()
    yield
    workers.stop()


def children() -> set[int]:
    return {child.pid for child in multiprocessing.active_children()}


def test_calls_run_in_warm_workers_that_stay_up():
    pids = {workers.run(SETTINGS, os.getpid) for _ in range(6)}
    pool = children()

    assert len(pool) == 2 and pids <= pool and os.getpid() not in pids
    assert workers.run(SETTINGS, operator.add, 2, 3) == 5
    assert children() == pool


def test_an_error_in_a_worker_arrives_with_its_code_and_text(tmp_path):
    with pytest.raises(SedimentError) as here:
        load_model(tmp_path)
    with pytest.raises(SedimentError) as there:
        workers.run(SETTINGS, load_model, tmp_path)

    assert there.value.code == here.value.code == "E204"
    assert str(there.value) == str(here.value)


def test_a_worker_dying_in_a_call_raises_worker_died_and_later_calls_get_new_workers():
    workers.run(SETTINGS, os.getpid)
    before = children()
    with pytest.raises(workers.WorkerDied):
        workers.run(SETTINGS, os._exit, 3)

    after = {workers.run(SETTINGS, os.getpid) for _ in range(4)}
    assert after and after.isdisjoint(before)


def test_a_pool_that_broke_between_calls_is_replaced_before_the_next():
    workers.run(SETTINGS, os.getpid)
    before = children()
    os.kill(min(before), signal.SIGKILL)  # an idle worker: the out-of-memory killer, say
    wait_until(lambda: not any(alive(pid) for pid in before))

    assert workers.run(SETTINGS, operator.add, 2, 3) == 5
    assert children().isdisjoint(before)


def test_a_pool_is_replaced_when_the_models_on_disk_change(tmp_path):
    model = tmp_path / "model"
    shutil.copytree(Settings().model_dir, model)
    settings = Settings(workers=2, model_dir=str(model))
    first = workers.run(settings, os.getpid)
    assert workers.run(settings, os.getpid) in children()

    os.utime(model / "model.npz", ns=(1, 1))  # rebuilt in place
    assert workers.run(settings, os.getpid) != first
    wait_until(lambda: not alive(first))


def test_an_isolated_worker_is_its_own_and_is_replaced_after_it_dies():
    workers.run(SETTINGS, os.getpid)
    shared = children()
    with workers.Isolated() as isolated:
        alone = isolated.run(os.getpid)
        with pytest.raises(workers.WorkerDied):
            isolated.run(os._exit, 3)
        again = isolated.run(os.getpid)

    assert {alone, again}.isdisjoint(shared | {os.getpid()}) and alone != again
    assert shared <= children()


PARENT = """
import multiprocessing, os, threading, time
from pipeline import workers
from pipeline.settings import Settings
settings = Settings(workers=2)
workers.run(settings, os.getpid)
busy = threading.Thread(target=workers.run, args=(settings, time.sleep, 60), daemon=True)
busy.start()
time.sleep(0.5)
print(" ".join(str(child.pid) for child in multiprocessing.active_children()), flush=True)
time.sleep(60)
"""


def alive(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    try:
        return "zombie" not in status.read_text()
    except FileNotFoundError:
        return False


def wait_until(condition, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.mark.slow
def test_workers_end_with_the_process_that_started_them_even_when_busy():
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        started = [int(pid) for pid in parent.stdout.readline().split()]
        assert len(started) == 2 and all(alive(pid) for pid in started)
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()

    wait_until(lambda: not any(alive(pid) for pid in started), seconds=2)


def new_child(known: set[int]) -> int:
    wait_until(lambda: children() - known)
    return (children() - known).pop()


@pytest.mark.slow
def test_a_batch_whose_worker_dies_is_processed_again_file_by_file(small_corpus, tmp_path, caplog):
    settings = Settings(workers=1, progress=False)
    job = refresh.plan(small_corpus, tmp_path / "out", settings)
    sources = sorted(job.plan.to_process, key=lambda source: source.abs_path.stat().st_size)
    worker = workers.run(settings, os.getpid)
    known = children()
    results = []
    batch = threading.Thread(
        target=lambda: results.extend(
            refresh.process_batch_in_workers(sources, job.staging, job.settings)
        )
    )

    batch.start()
    while batch.is_alive() and not list(job.staging.rglob("*.parquet")):
        time.sleep(0.005)
    os.kill(worker, signal.SIGKILL)  # after the first file, during the others
    os.kill(new_child(known), signal.SIGKILL)  # and the first file's own worker
    batch.join()

    assert "a worker process died; processing its 7 files one by one" in caplog.text
    first, *others = results
    assert first.source == sources[0] and first.failure.error_type == "WorkerDied"
    assert first.failure.message.startswith(f"[E111] {sources[0].path}: the worker process")
    assert not list(job.staging.rglob(f"*{sources[0].sha256}*"))  # nothing of it is stored
    assert not list(job.staging.rglob("*.tmp"))
    expected = refresh.process_batch(sources[1:], tmp_path / "plain", settings)
    assert [r.failure for r in others] == [None] * 6
    assert [(r.source.path, r.n_sentences) for r in others] == [
        (r.source.path, r.n_sentences) for r in expected
    ]
