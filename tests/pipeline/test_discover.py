import csv
import datetime as dt
import shutil
from pathlib import Path

import pytest

from pipeline.discover import StoredDocument, diff, parse_date, read_manifest, scan
from pipeline.errors import SedimentError
from tests.conftest import SHARED_PDF

VERSIONS = ("p1", "a1", "m1")


def stored_from(sources, status="ok", versions=VERSIONS):
    return {
        s.path: StoredDocument(s.path, s.sha256, status, s.meta_hash, versions) for s in sources
    }


def test_scan_hashes_match_the_shared_manifest():
    sources = scan(SHARED_PDF)
    with (SHARED_PDF / "manifest.csv").open(encoding="utf-8") as handle:
        expected = {row["file"]: row["sha256"] for row in csv.DictReader(handle)}
    assert {s.path: s.sha256 for s in sources} == expected
    assert all(s.kind == "pdf" for s in sources)


def test_scan_reads_metadata_from_the_manifest():
    by_path = {s.path: s for s in scan(SHARED_PDF)}
    meta = by_path["2023_Borlange-kommun_RSA-2023-2026.pdf"].meta
    assert meta.organisation == "Borlänge kommun"
    assert meta.date == dt.date(2023, 8, 29)
    assert meta.year == 2023
    partial = by_path["2007_NFS-2007-10_inventering-stora-rovdjur_konsoliderad.pdf"].meta
    assert partial.date is None and partial.year == 2007


def test_scan_without_manifest_takes_the_year_from_the_file_name(tmp_path):
    shutil.copy(SHARED_PDF / "2013_BFS-2013-3_certifiering-installatorer.pdf", tmp_path / "a.pdf")
    shutil.copy(
        SHARED_PDF / "2013_BFS-2013-3_certifiering-installatorer.pdf",
        tmp_path / "rapport_2019_slutlig.pdf",
    )
    (tmp_path / "README.md").write_text("# not a document\n")
    (tmp_path / "LICENSE.txt").write_text("CC BY-SA\n")
    (tmp_path / "data.csv").write_text("a,b\n")
    by_path = {s.path: s.meta.year for s in scan(tmp_path)}
    assert by_path == {"a.pdf": None, "rapport_2019_slutlig.pdf": 2019}


def test_scan_of_a_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(SedimentError, match="Corpus folder not found"):
        scan(tmp_path / "nowhere")


def test_manifest_without_file_column_is_rejected(tmp_path):
    (tmp_path / "manifest.csv").write_text("name,year\nx.pdf,2020\n")
    with pytest.raises(SedimentError, match="no 'file' column"):
        read_manifest(tmp_path / "manifest.csv")


def test_manifest_with_bad_year_names_the_line(tmp_path):
    (tmp_path / "manifest.csv").write_text("file,year\nx.pdf,2020\ny.pdf,tjugo\n")
    with pytest.raises(SedimentError, match="line 3"):
        read_manifest(tmp_path / "manifest.csv")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2019-10-10", (dt.date(2019, 10, 10), 2019)),
        ("2013-03", (None, 2013)),
        ("2007 (konsol. t.o.m. NFS 2014:23)", (None, 2007)),
        ("2019-02-30", (None, 2019)),
        ("", (None, None)),
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text) == expected


def test_diff_sorts_files_into_new_changed_unchanged_removed(small_corpus):
    sources = scan(small_corpus)
    stored = stored_from(sources)
    assert diff(sources, stored, VERSIONS).is_noop

    changed = small_corpus / "riksdagen/2025-10-07_mot_hd023560.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + "\nEn ny mening.\n", "utf-8")
    (small_corpus / "pdf/1993_SRVFS-1993-6.pdf").unlink()
    shutil.copy(SHARED_PDF / "2021_NFS-2021-6_matningar-provtagningar.pdf", small_corpus / "n.pdf")
    plan = diff(scan(small_corpus), stored, VERSIONS)
    assert [s.path for s in plan.changed] == ["riksdagen/2025-10-07_mot_hd023560.txt"]
    assert [s.path for s in plan.new] == ["n.pdf"]
    assert plan.removed == ["pdf/1993_SRVFS-1993-6.pdf"]
    assert len(plan.unchanged) == len(sources) - 2


def test_diff_reprocesses_on_new_metadata_or_versions(small_corpus):
    sources = scan(small_corpus)
    assert len(diff(sources, stored_from(sources), ("p2", "a1", "m1")).changed) == len(sources)
    manifest = small_corpus / "manifest.csv"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("2017-03-16", "2017-03-17"))
    plan = diff(scan(small_corpus), stored_from(sources), VERSIONS)
    assert [s.path for s in plan.changed] == [
        "pdf/2017_dir-2017-29_tillaggsdirektiv-forskningsdatautredningen.pdf"
    ]


def test_diff_retries_failed_files_only_when_asked(small_corpus):
    sources = scan(small_corpus)
    failed = stored_from(sources, status="failed")
    assert diff(sources, failed, VERSIONS).is_noop
    assert len(diff(sources, failed, VERSIONS, retry_failed=True).changed) == len(sources)


def test_diff_processes_identical_content_once(small_corpus):
    shutil.copy(small_corpus / "pdf/1993_SRVFS-1993-6.pdf", small_corpus / "pdf/zz-copy.pdf")
    plan = diff(scan(small_corpus), {}, VERSIONS)
    assert [s.path for s in plan.duplicates] == ["pdf/zz-copy.pdf"]
    assert "pdf/1993_SRVFS-1993-6.pdf" in [s.path for s in plan.new]


def test_removed_files_stay_removed_without_replanning(small_corpus):
    sources = scan(small_corpus)
    stored = stored_from(sources)
    gone = next(iter(stored))
    stored[gone] = StoredDocument(gone, "x", "removed", "h", VERSIONS)
    Path(small_corpus / gone).unlink()
    assert diff(scan(small_corpus), stored, VERSIONS).is_noop


def test_a_manifest_cannot_name_a_file_outside_the_corpus(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "sub" / "manifest.csv").write_text("file,year\n../../secret.pdf,2020\n")
    with pytest.raises(SedimentError, match=r"E203.*line 2: '../../secret.pdf' is outside"):
        scan(corpus)
    (corpus / "sub" / "manifest.csv").write_text("file,year\n../a.txt,2020\n")
    (corpus / "a.txt").write_text("Tillit i styrningen.", encoding="utf-8")
    assert [source.meta.year for source in scan(corpus)] == [2020]  # inside: fine


def test_links_out_of_the_corpus_are_refused_and_links_inside_are_read(tmp_path):
    corpus, outside = tmp_path / "corpus", tmp_path / "outside"
    corpus.mkdir()
    (outside / "sub").mkdir(parents=True)
    (outside / "secret.txt").write_text("Hemligt.", encoding="utf-8")
    (corpus / "motion.txt").write_text("Tillit i styrningen.", encoding="utf-8")
    (corpus / "same.txt").symlink_to(corpus / "motion.txt")
    assert [source.path for source in scan(corpus)] == ["motion.txt", "same.txt"]
    (corpus / "leak.txt").symlink_to(outside / "secret.txt")
    (corpus / "folder").symlink_to(outside / "sub")
    with pytest.raises(SedimentError, match=r"E222.*folder, leak\.txt"):
        scan(corpus)
