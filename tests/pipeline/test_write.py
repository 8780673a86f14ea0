import logging
import signal
import subprocess
import sys
import threading
import time

import pandas as pd
import pyarrow as pa
import pytest

from pipeline import refresh, schemas
from pipeline.errors import SedimentError
from pipeline.settings import Settings
from pipeline.write import Store, sentence_file, write_table
from tests.conftest import ROOT, run_cli


def empty(schema):
    return pa.Table.from_pylist([], schema=schema)


def no_derived():
    return {name: empty(schema) for name, schema in schemas.DERIVED.items()}


def sentences(doc_id, n):
    rows = [
        {
            "doc_id": doc_id,
            "sentence_idx": i,
            "page": 1,
            "char_start": 10 * i,
            "char_end": 10 * i + 9,
            "text": f"Mening {i}.",
            "lemmas": ["mening", str(i), "."],
            "upos": ["NOUN", "NUM", "PUNCT"],
            "trust": i % 2 == 0,
            "control": False,
            "detail": False,
            "p_trust": 0.9 if i % 2 == 0 else 0.1,
            "p_control": 0.0,
            "p_detail": 0.0,
            "model_version": "m",
        }
        for i in range(n)
    ]
    return pa.Table.from_pylist(rows, schema=schemas.SENTENCE_FILE)


def commit_generation(store, doc_id, n):
    staging = store.begin()
    write_table(sentences(doc_id, n), sentence_file(staging, doc_id, 2020))
    return store.commit(staging, empty(schemas.DOCUMENTS), empty(schemas.FAILURES), no_derived())


def test_refuses_a_folder_that_is_not_a_store(tmp_path):
    (tmp_path / "thesis.docx").write_text("x")
    with pytest.raises(SedimentError, match="not a sediment output folder"):
        Store(tmp_path)


def test_commit_swaps_generations_that_pandas_reads(tmp_path):
    store = Store(tmp_path / "out")
    first = commit_generation(store, "a", 3)
    frame = pd.read_parquet(tmp_path / "out" / "sentences")
    assert len(frame) == 3 and frame["year"].astype(int).unique().tolist() == [2020]
    second = commit_generation(store, "b", 5)
    assert store.current == second
    assert len(pd.read_parquet(tmp_path / "out" / "sentences")) == 5
    assert first.exists()  # the previous generation stays for readers still using it
    third = commit_generation(store, "c", 1)
    assert not first.exists() and second.exists() and store.current == third


def test_uncommitted_staging_is_invisible_and_cleaned_next_time(tmp_path):
    store = Store(tmp_path / "out")
    commit_generation(store, "a", 3)
    staging = store.begin()
    write_table(sentences("b", 7), sentence_file(staging, "b", 2021))
    # The refresh dies here: readers still see the committed generation.
    assert pd.read_parquet(tmp_path / "out" / "sentences")["doc_id"].unique().tolist() == ["a"]
    store.begin()
    assert not staging.exists()


def test_carry_over_links_instead_of_copying(tmp_path):
    store = Store(tmp_path / "out")
    commit_generation(store, "a", 3)
    staging = store.begin()
    store.carry_over(staging, "a", 2020)
    linked = sentence_file(staging, "a", 2020)
    assert linked.stat().st_ino == sentence_file(store.current, "a", 2020).stat().st_ino


def test_undated_documents_are_kept_beside_the_partitioned_sentences(tmp_path):
    store = Store(tmp_path / "out")
    staging = store.begin()
    write_table(sentences("x", 2), sentence_file(staging, "x", None))
    write_table(sentences("y", 3), sentence_file(staging, "y", 2020))
    store.commit(staging, empty(schemas.DOCUMENTS), empty(schemas.FAILURES), no_derived())
    dated = pd.read_parquet(tmp_path / "out" / "sentences")
    undated = pd.read_parquet(tmp_path / "out" / "sentences_undated")
    assert dated["doc_id"].unique().tolist() == ["y"] and len(dated) == 3
    assert undated["doc_id"].unique().tolist() == ["x"] and "year" not in undated


HOLD_LOCK = """
import sys, time
from pathlib import Path
from pipeline.write import Store
with Store(Path(sys.argv[1])).lock(0):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def hold_lock(out, seconds):
    """A separate process that holds the output folder's lock for ``seconds``."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(out), str(seconds)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_second_refresh_stops_with_the_holders_name_and_a_dead_holders_lock_is_released(
    small_corpus, tmp_path, caplog
):
    out = tmp_path / "out"
    holder = hold_lock(out, 60)
    try:
        started = time.monotonic()
        with pytest.raises(SedimentError, match=rf"E221.*pid {holder.pid} on "):
            refresh.run(small_corpus, out, Settings(progress=False, lock_timeout=1))
        assert time.monotonic() - started >= 1
        result = run_cli("refresh", str(small_corpus), "--output", str(out), "--lock-timeout", "0")
        assert result.returncode == 2 and "is being refreshed by pid" in result.stderr
        assert "Traceback" not in result.stderr
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    with caplog.at_level(logging.WARNING, logger="pipeline.write"):
        summary = refresh.run(small_corpus, out, Settings(progress=False, lock_timeout=0))
    assert summary.counts["new"] == 7
    assert f"stale lock of pid {holder.pid}" in caplog.text


def test_a_second_refresh_waits_for_the_first_to_finish(small_corpus, tmp_path):
    out = tmp_path / "out"
    holder = hold_lock(out, 1.5)
    started = time.monotonic()
    summary = refresh.run(small_corpus, out, Settings(progress=False, lock_timeout=60))
    assert holder.wait() == 0
    assert time.monotonic() - started >= 1 and summary.counts["new"] == 7
    assert (out / ".sediment" / "lock").read_text() == ""  # released cleanly: no stale name


def test_another_thread_of_the_same_process_waits_like_another_process(tmp_path):
    store = Store(tmp_path / "out")
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with store.lock(0):
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)
    try:
        with pytest.raises(SedimentError, match="E221"), store.lock(0.3):
            pass
    finally:
        release.set()
        holder.join()
    with store.lock(0), store.lock(0):  # the same thread may take it again
        assert (tmp_path / "out" / ".sediment" / "lock").read_text().startswith("pid ")
