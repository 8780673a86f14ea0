import multiprocessing
import operator
import os
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


def test_calls_run_in_warm_workers_that_stay_up():
    pids = {workers.run(SETTINGS, os.getpid) for _ in range(6)}

    assert os.getpid() not in pids and 1 <= len(pids) <= 2
    assert workers.run(SETTINGS, os.getpid) in pids
    assert workers.run(SETTINGS, operator.add, 2, 3) == 5


def test_an_error_in_a_worker_arrives_with_its_code_and_text(tmp_path):
    with pytest.raises(SedimentError) as here:
        load_model(tmp_path)
    with pytest.raises(SedimentError) as there:
        workers.run(SETTINGS, load_model, tmp_path)

    assert there.value.code == here.value.code == "E204"
    assert str(there.value) == str(here.value)


def test_a_dead_worker_raises_worker_died_and_later_calls_get_new_workers():
    before = workers.run(SETTINGS, os.getpid)
    with pytest.raises(workers.WorkerDied):
        workers.run(SETTINGS, os._exit, 3)

    after = {workers.run(SETTINGS, os.getpid) for _ in range(4)}
    assert before not in after


def test_a_call_alone_gets_a_worker_of_its_own():
    shared = {workers.run(SETTINGS, os.getpid) for _ in range(4)}

    assert workers.run_alone(SETTINGS, os.getpid) not in shared | {os.getpid()}
    with pytest.raises(workers.WorkerDied):
        workers.run_alone(SETTINGS, os._exit, 3)
    assert workers.run(SETTINGS, os.getpid) in shared


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


@pytest.mark.slow
def test_workers_end_with_the_process_that_started_them_even_when_busy():
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        children = [int(pid) for pid in parent.stdout.readline().split()]
        assert len(children) == 2 and all(alive(pid) for pid in children)
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()

    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in children)


def new_child(known: set[int]) -> int:
    while True:
        pids = {child.pid for child in multiprocessing.active_children()} - known
        if pids:
            return pids.pop()
        time.sleep(0.005)


@pytest.mark.slow
def test_a_batch_whose_worker_dies_is_processed_again_file_by_file(small_corpus, tmp_path, caplog):
    settings = Settings(workers=1, progress=False)
    job = refresh.plan(small_corpus, tmp_path / "out", settings)
    sources = sorted(job.plan.to_process, key=lambda source: source.abs_path.stat().st_size)
    worker = workers.run(settings, os.getpid)
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
    os.kill(new_child({worker}), signal.SIGKILL)  # and the first file's own worker
    batch.join()

    assert "a worker process died; processing its 7 files one by one" in caplog.text
    first, *others = results
    assert first.source == sources[0] and first.failure.error_type == "WorkerDied"
    assert first.failure.message.startswith(f"[E111] {sources[0].path}: the worker process")
    expected = refresh.process_batch(sources[1:], tmp_path / "plain", settings)
    assert [r.failure for r in others] == [None] * 6
    assert [(r.source.path, r.n_sentences) for r in others] == [
        (r.source.path, r.n_sentences) for r in expected
    ]
