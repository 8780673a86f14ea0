import hashlib
import os
import shutil
import signal
import subprocess
import sys

import duckdb
import pandas as pd
import pytest

from pipeline import refresh
from pipeline.classify import load_model
from pipeline.errors import SedimentError
from pipeline.settings import Settings
from pipeline.write import DATASETS
from tests.conftest import ROOT, SAMPLE

SETTINGS = Settings(progress=False)


def snapshot(out):
    """Content hash of every file a reader can reach through the dataset links."""
    return {
        str(path.relative_to(out.resolve())): hashlib.sha256(path.read_bytes()).hexdigest()
        for name in DATASETS
        for path in ([out / name] if name.endswith(".parquet") else (out / name).rglob("*"))
        if path.is_file()
    }


def read(out, name):
    return pd.read_parquet(out / name)


@pytest.fixture
def refreshed(small_corpus, tmp_path):
    out = tmp_path / "out"
    summary = refresh.run(small_corpus, out, SETTINGS)
    return small_corpus, out, summary


def test_first_refresh_writes_every_dataset(refreshed):
    _, out, summary = refreshed
    assert summary.counts["new"] == 7 and summary.counts["failed"] == 0
    documents = read(out, "documents")
    assert documents["status"].eq("ok").all() and len(documents) == 7
    sentences = read(out, "sentences")
    per_doc = sentences.groupby("doc_id").size()
    assert per_doc.to_dict() == dict(
        zip(documents["doc_id"], documents["n_sentences"], strict=True)
    )
    assert not sentences.duplicated(["doc_id", "sentence_idx"]).any()
    assert (sentences["lemmas"].map(len) == sentences["upos"].map(len)).all()
    pdf_rows = sentences[sentences["doc_id"].isin(documents[documents.kind == "pdf"].doc_id)]
    assert pdf_rows["page"].notna().all()
    assert set(sentences["model_version"]) == {load_model(SETTINGS.model_dir).version}
    assert sentences.loc[sentences["trust"], "p_trust"].min() > 0
    terms = read(out, "terms.parquet")
    delegation = terms[terms["term"] == "Tillitsdelegationen"]
    assert delegation.loc[delegation["year"] == 2019, "n_matching"].sum() > 0  # SOU 2019:43
    trends = read(out, "trends.parquet")
    assert set(trends["label"]) == {"trust", "control", "detail"}
    overall = trends[trends["level"] == "all"]
    assert overall.groupby("year")["n_sentences"].first().sum() == len(sentences)
    assert set(trends["level"]) == {"all", "organisation", "doc_type"}
    assert read(out, "failures").empty


def test_sou_2019_43_summary_speaks_of_trust(refreshed):
    _, out, _ = refreshed
    sentences = read(out, "sentences")
    documents = read(out, "documents")
    sou = documents.loc[documents.path.str.contains("sou-201943"), "doc_id"].item()
    assert sentences.loc[sentences.doc_id == sou, "trust"].mean() > 0.5


def test_filters_and_duckdb_read_the_partitions(refreshed):
    _, out, _ = refreshed
    recent = pd.read_parquet(out / "sentences", filters=[("year", ">=", 2023)])
    assert set(recent["year"].astype(int)) == {2023, 2025}
    counts = duckdb.sql(
        f"select year, count(*) from read_parquet('{out}/sentences/**/*.parquet', "
        "hive_partitioning=true) group by year order by year"
    ).fetchall()
    assert sum(n for _, n in counts) == len(read(out, "sentences"))


def test_unchanged_corpus_processes_nothing_and_changes_nothing(refreshed):
    corpus, out, _ = refreshed
    before = snapshot(out)
    summary = refresh.run(corpus, out, SETTINGS)
    assert summary.generation is None
    assert summary.counts == {
        "new": 0, "changed": 0, "unchanged": 7, "reclassified": 0, "removed": 0,
        "duplicate": 0, "failed": 0,
    }  # fmt: skip
    assert snapshot(out) == before


def test_changed_file_replaces_its_rows(refreshed):
    corpus, out, _ = refreshed
    before = read(out, "sentences")
    old_ids = set(read(out, "documents").doc_id)
    motion = corpus / "riksdagen/2025-10-07_mot_hd023560.txt"
    motion.write_text(
        motion.read_text(encoding="utf-8") + "\n\nKommunerna ska få större handlingsutrymme.\n",
        encoding="utf-8",
    )
    summary = refresh.run(corpus, out, SETTINGS)
    assert summary.counts["changed"] == 1 and summary.counts["unchanged"] == 6
    documents = read(out, "documents")
    (new_id,) = set(documents.doc_id) - old_ids
    after = read(out, "sentences")
    assert len(after) == len(before) + 1
    assert not after.duplicated(["doc_id", "sentence_idx"]).any()
    assert after[after.doc_id == new_id].text.iloc[-1] == (
        "Kommunerna ska få större handlingsutrymme."
    )
    unchanged = before[before.doc_id != (old_ids - set(documents.doc_id)).pop()]
    pd.testing.assert_frame_equal(
        unchanged.sort_values(["doc_id", "sentence_idx"]).reset_index(drop=True),
        after[after.doc_id != new_id]
        .sort_values(["doc_id", "sentence_idx"])
        .reset_index(drop=True),
    )


def test_new_file_adds_only_its_rows_and_removed_file_is_marked(refreshed):
    corpus, out, _ = refreshed
    before = read(out, "sentences")
    shutil.copy(SAMPLE / "pdf/2016_dir-2016-15_dataskyddsforordningen.pdf", corpus / "dir.pdf")
    (corpus / "riksdagen/2023-10-05_mot_hb022454.txt").unlink()
    summary = refresh.run(corpus, out, SETTINGS)
    assert (summary.counts["new"], summary.counts["removed"]) == (1, 1)
    documents = read(out, "documents").set_index("path")
    removed = documents.loc["riksdagen/2023-10-05_mot_hb022454.txt"]
    assert removed.status == "removed"
    assert documents.loc["dir.pdf"].status == "ok" and documents.loc["dir.pdf"].year == 2016
    after = read(out, "sentences")
    assert removed.doc_id not in set(after.doc_id)
    kept = before[before.doc_id != removed.doc_id]
    assert len(after) == len(kept) + documents.loc["dir.pdf"].n_sentences
    # Removed stays removed on the next refresh, with nothing to do.
    assert refresh.run(corpus, out, SETTINGS).generation is None


def test_bad_inputs_each_become_one_failure_and_the_rest_is_processed(
    small_corpus, bad_pdfs, broken_page_pdf, tmp_path
):
    for path in [*bad_pdfs.values(), broken_page_pdf]:
        shutil.copy(path, small_corpus / path.name)
    (small_corpus / "latin1.txt").write_bytes("Tillit och förtroende".encode("latin-1"))
    shutil.copy(SAMPLE / "pdf/1991_prop-1991-92-43_skattetillagg_utdrag.pdf", small_corpus)
    out = tmp_path / "out"
    no_ocr = Settings(progress=False, ocr=False)
    summary = refresh.run(small_corpus, out, no_ocr)
    failures = read(out, "failures").set_index("path")
    assert failures["error_type"].to_dict() == {
        "1991_prop-1991-92-43_skattetillagg_utdrag.pdf": "NoTextLayer",
        "empty.pdf": "EmptyFile",
        "latin1.txt": "NotUtf8",
        "locked.pdf": "EncryptedPdf",
        "notes.pdf": "NotAPdf",
        "trasig_sida.pdf": "PageUnreadable",
        "truncated.pdf": "CorruptPdf",
    }
    assert (failures["stage"] == "extract").all()
    assert summary.counts["failed"] == 6
    documents = read(out, "documents").set_index("path")
    assert (documents.status == "ok").sum() == 8 and (documents.status == "failed").sum() == 6
    assert documents.loc["trasig_sida.pdf"].failed_pages.tolist() == [2]
    # Failed files are not retried while unchanged, and their failures are kept.
    assert refresh.run(small_corpus, out, no_ocr).generation is None
    (small_corpus / "empty.pdf").unlink()
    refresh.run(small_corpus, out, no_ocr)
    assert len(read(out, "failures")) == 6


@pytest.mark.slow
def test_scanned_pdf_is_read_by_ocr(tmp_path):
    from pipeline.ocr import ocr_available

    if not ocr_available():
        pytest.fail("Tesseract with Swedish is not installed (.ci/run installs it)")
    corpus = tmp_path / "c"
    corpus.mkdir()
    shutil.copy(SAMPLE / "pdf/1991_prop-1991-92-43_skattetillagg_utdrag.pdf", corpus)
    refresh.run(corpus, tmp_path / "out", SETTINGS)
    (document,) = read(tmp_path / "out", "documents").itertuples()
    assert document.status == "ok" and document.ocr_pages.tolist() == [1, 2]
    texts = " ".join(read(tmp_path / "out", "sentences").text)
    assert "skattetillägg" in texts.lower()


def test_interrupted_refresh_leaves_the_previous_datasets(refreshed):
    corpus, out, _ = refreshed
    before = snapshot(out)
    shutil.copy(SAMPLE / "pdf/2016_dir-2016-15_dataskyddsforordningen.pdf", corpus / "dir.pdf")
    job = refresh.plan(corpus, out, SETTINGS)
    refresh.process_batch(job.plan.to_process, job.staging, SETTINGS)
    # The process dies before commit: the staged work is invisible to readers.
    assert snapshot(out) == before
    summary = refresh.run(corpus, out, SETTINGS)
    assert summary.counts["new"] == 1 and not job.staging.exists()
    assert len(read(out, "documents")) == 8


def test_a_missing_model_stops_before_touching_the_outputs(refreshed, tmp_path):
    corpus, out, _ = refreshed
    before = snapshot(out)
    (corpus / "x.txt").write_text("Ny text om tillit.\n", encoding="utf-8")
    with pytest.raises(SedimentError, match="No steering model"):
        refresh.run(corpus, out, Settings(model_dir=str(tmp_path / "none"), progress=False))
    assert snapshot(out) == before


def test_documents_without_a_year_keep_their_sentences_apart(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "utan_ar.txt").write_text("Nämnden följer upp målen.\n", encoding="utf-8")
    (corpus / "plan_2021.txt").write_text("Tillit är grunden.\n", encoding="utf-8")
    out = tmp_path / "out"
    refresh.run(corpus, out, SETTINGS)
    assert read(out, "sentences_undated")["text"].tolist() == ["Nämnden följer upp målen."]
    assert read(out, "sentences")["text"].tolist() == ["Tillit är grunden."]
    assert read(out, "trends.parquet")["year"].unique().tolist() == [2021]


def test_a_copy_is_a_duplicate_until_the_original_goes(refreshed):
    corpus, out, _ = refreshed
    original = "riksdagen/2023-10-05_mot_hb022454.txt"
    shutil.copy(corpus / original, corpus / "zz_kopia_2023.txt")
    n_sentences = len(read(out, "sentences"))
    summary = refresh.run(corpus, out, SETTINGS)
    assert summary.counts["duplicate"] == 1
    documents = read(out, "documents").set_index("path")
    assert documents.loc["zz_kopia_2023.txt"].status == "duplicate"
    assert documents.loc["zz_kopia_2023.txt"].doc_id == documents.loc[original].doc_id
    assert len(read(out, "sentences")) == n_sentences
    (corpus / original).unlink()
    refresh.run(corpus, out, SETTINGS)
    documents = read(out, "documents").set_index("path")
    assert documents.loc[original].status == "removed"
    assert documents.loc["zz_kopia_2023.txt"].status == "ok"
    assert len(read(out, "sentences")) == n_sentences


@pytest.mark.slow
def test_a_new_model_reclassifies_stored_sentences_without_extracting(refreshed, v1_model):
    corpus, out, _ = refreshed
    before = read(out, "sentences").sort_values(["doc_id", "sentence_idx"], ignore_index=True)
    documents_before = read(out, "documents")

    summary = refresh.run(corpus, out, Settings(progress=False, model_dir=str(v1_model)))

    assert summary.counts["reclassified"] == 7
    assert summary.counts["new"] + summary.counts["changed"] == 0
    assert summary.pages == 0 and summary.reclassified_sentences == len(before)
    after = read(out, "sentences").sort_values(["doc_id", "sentence_idx"], ignore_index=True)
    kept = ["doc_id", "sentence_idx", "page", "char_start", "char_end", "text", "year"]
    pd.testing.assert_frame_equal(after[kept], before[kept])
    assert (after["lemmas"].map(list) == before["lemmas"].map(list)).all()
    assert set(after["model_version"]) == {"steering-v1only"}
    model = load_model(v1_model)
    expected = model.probabilities(after["text"].tolist(), after["lemmas"].map(list).tolist())
    assert abs(after["p_trust"] - expected[:, 0]).max() < 1e-6
    assert (after["control"] == (expected[:, 1] >= model.thresholds["control"])).all()
    assert (after[["trust", "control", "detail"]] != before[["trust", "control", "detail"]]).any(
        axis=None
    )
    documents = read(out, "documents")
    assert set(documents["model_version"]) == {"steering-v1only"}
    pd.testing.assert_frame_equal(
        documents.drop(columns="model_version"), documents_before.drop(columns="model_version")
    )
    trends = read(out, "trends.parquet")
    trust = trends[(trends["label"] == "trust") & (trends["level"] == "all")]
    assert trust["n_positive"].sum() == after["trust"].sum()

    again = refresh.run(corpus, out, Settings(progress=False, model_dir=str(v1_model)))
    assert again.generation is None


def test_a_reclassification_with_a_damaged_store_stops_with_a_clear_error(refreshed, v1_model):
    corpus, out, _ = refreshed
    removed = next((out / "sentences").rglob("*.parquet"))
    removed.unlink()
    with pytest.raises(SedimentError, match="E216"):
        refresh.run(corpus, out, Settings(progress=False, model_dir=str(v1_model)))


def test_a_new_term_list_recomputes_the_trends_without_processing_a_file(refreshed, tmp_path):
    corpus, out, _ = refreshed
    sentences_before = snapshot(out)
    terms = tmp_path / "terms.toml"
    terms.write_text('[families.tillit]\n"tillit*" = "tillit"\n', encoding="utf-8")
    settings = Settings(progress=False, terms=str(terms))

    summary = refresh.run(corpus, out, settings)

    assert summary.generation is not None and summary.counts["unchanged"] == 7
    assert summary.pages == 0 and summary.sentences == 0
    assert set(read(out, "terms.parquet")["family"]) == {"tillit"}
    after = snapshot(out)
    kept = [path for path in sentences_before if path.startswith("sentences")]
    assert kept and all(after[path] == sentences_before[path] for path in kept)
    assert refresh.run(corpus, out, settings).generation is None


NO_NETWORK = """
import socket, sys
from pathlib import Path

tried = []

def refuse(*args, **kwargs):
    tried.append(args)
    raise OSError(f"network used at run time: {args}")

socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.getaddrinfo = refuse
socket.create_connection = refuse

from pipeline import refresh
from pipeline.settings import Settings

summary = refresh.run(Path(sys.argv[1]), Path(sys.argv[2]), Settings(progress=False))
assert not tried, tried
print(summary.counts["new"], summary.counts["failed"], summary.sentences)
"""


def test_a_refresh_uses_no_network(small_corpus, tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", NO_NETWORK, str(small_corpus), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    new, failed, sentences = map(int, result.stdout.split())
    assert (new, failed) == (7, 0) and sentences > 100


REFRESH = """
import sys
from pathlib import Path
from pipeline import refresh
from pipeline.settings import Settings
settings = Settings(progress=False, batch_size=4, runner=sys.argv[3])
refresh.run(Path(sys.argv[1]), Path(sys.argv[2]), settings)
"""


def kill_when(corpus, out, ready, runner) -> bool:
    """Start a refresh in a process and SIGKILL it once ``ready(staging)`` holds.

    Returns:
        Whether the kill came before the process finished.
    """
    command = [sys.executable, "-c", REFRESH, str(corpus), str(out), runner]
    process = subprocess.Popen(command, cwd=ROOT)
    try:
        while process.poll() is None:
            for staging in (out / ".sediment").glob("staging-*"):
                if ready(staging):
                    process.send_signal(signal.SIGKILL)
                    process.wait()
                    return True
        return False
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def sentence_files(staging):
    return [name for _, _, names in os.walk(staging) for name in names if name.endswith(".parquet")]


def writing_a_parquet_file(staging):
    return any(name.endswith(".tmp") for _, _, names in os.walk(staging) for name in names)


@pytest.mark.slow
@pytest.mark.parametrize("runner", ["thread", "process"])
def test_a_refresh_killed_mid_run_loses_and_duplicates_nothing(refreshed, tmp_path, runner):
    corpus, out, _ = refreshed
    for path in SAMPLE.rglob("*"):  # 57 more documents: a longer run to kill
        target = corpus / path.relative_to(SAMPLE)
        if path.is_file() and not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    before = snapshot(out)
    sentences_before = read(out, "sentences")

    killed = [
        kill_when(corpus, out, lambda staging: 3 <= len(sentence_files(staging)) < 20, runner),
        kill_when(corpus, out, writing_a_parquet_file, runner),
    ]

    assert killed == [True, True]
    assert snapshot(out) == before  # the previous datasets, byte for byte
    pd.testing.assert_frame_equal(read(out, "sentences"), sentences_before)
    summary = refresh.run(corpus, out, SETTINGS)
    assert summary.counts["new"] == 57 and summary.counts["unchanged"] == 7
    assert not list((out / ".sediment").glob("staging-*"))
    reference = tmp_path / "reference"
    refresh.run(corpus, reference, SETTINGS)
    keys = ["doc_id", "sentence_idx"]
    after = read(out, "sentences").sort_values(keys, ignore_index=True)
    assert not after.duplicated(keys).any()
    pd.testing.assert_frame_equal(
        after, read(reference, "sentences").sort_values(keys, ignore_index=True)
    )


@pytest.mark.slow
def test_a_reclassified_document_keeps_its_page_failures(tmp_path, broken_page_pdf, v1_model):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(broken_page_pdf, corpus / "2021_trasig.pdf")
    out = tmp_path / "out"
    refresh.run(corpus, out, SETTINGS)
    failures = read(out, "failures")
    assert len(failures) == 1 and failures["stage"].tolist() == ["extract"]

    summary = refresh.run(corpus, out, Settings(progress=False, model_dir=str(v1_model)))

    assert summary.counts["reclassified"] == 1
    pd.testing.assert_frame_equal(read(out, "failures"), failures)
