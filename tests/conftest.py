"""Shared fixtures: real corpora, small real test corpora, bad PDFs, Prefect's test server."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SAMPLE = ROOT / "corpora" / "sample"
SHARED_PDF = SHARED / "corpora" / "pdf"
UD = ROOT / "corpora" / "ud"

# A small corpus of real documents: three PDFs, two motions and two regeringen pages.
SMALL_CORPUS_FILES = (
    "pdf/1993_SRVFS-1993-6.pdf",
    "pdf/2017_dir-2017-29_tillaggsdirektiv-forskningsdatautredningen.pdf",
    "pdf/2025_SFS-2025-487_instruktion-SBU.pdf",
    "riksdagen/2025-10-07_mot_hd023560.txt",
    "riksdagen/2023-10-05_mot_hb022454.txt",
    "regeringen/2019-10-10_statens-offentliga-utredningar_sou-201943.md",
    "regeringen/2017-02-28_statens-offentliga-utredningar_sou-201719.md",
)


def run_cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run ``sediment`` in a fresh interpreter, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


def run_script(script: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run a project script (a benchmark, an annotation tool) in a fresh interpreter."""
    return subprocess.run(
        [sys.executable, str(script), *args], capture_output=True, text=True, cwd=ROOT, check=False
    )


def copy_files(names: tuple[str, ...], target: Path) -> Path:
    """Copy sample files and the matching manifest rows into ``target``."""
    for name in names:
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SAMPLE / name, destination)
    lines = (SAMPLE / "manifest.csv").read_text(encoding="utf-8").splitlines()
    kept = [lines[0]] + [line for line in lines[1:] if line.split(",", 1)[0] in names]
    (target / "manifest.csv").write_text("\n".join(kept) + "\n", encoding="utf-8")
    return target


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    """A writable copy of seven real documents with their manifest."""
    return copy_files(SMALL_CORPUS_FILES, tmp_path / "corpus")


@pytest.fixture
def bad_pdfs(tmp_path: Path) -> dict[str, Path]:
    """One file per kind of bad PDF input, keyed by the expected error type."""
    from reportlab.pdfgen import canvas

    folder = tmp_path / "bad"
    folder.mkdir()
    real = (SAMPLE / "pdf" / "2016_dir-2016-15_dataskyddsforordningen.pdf").read_bytes()
    files = {
        "EmptyFile": folder / "empty.pdf",
        "NotAPdf": folder / "notes.pdf",
        "CorruptPdf": folder / "truncated.pdf",
        "EncryptedPdf": folder / "locked.pdf",
    }
    files["EmptyFile"].write_bytes(b"")
    files["NotAPdf"].write_text("Det här är ingen PDF utan vanlig text.\n", encoding="utf-8")
    files["CorruptPdf"].write_bytes(real[: len(real) // 3])
    locked = canvas.Canvas(str(files["EncryptedPdf"]), encrypt="hemligt")
    locked.drawString(72, 720, "Tillitsbaserad styrning kräver förtroende.")
    locked.save()
    return files


@pytest.fixture
def broken_page_pdf(tmp_path: Path) -> Path:
    """A real three-page PDF whose page tree points page 2 at an object that does not exist."""
    from reportlab.pdfgen import canvas

    path = tmp_path / "broken" / "trasig_sida.pdf"
    path.parent.mkdir()
    pdf = canvas.Canvas(str(path), pageCompression=0)
    for number in (1, 2, 3):
        pdf.drawString(
            72, 720, f"Sidan {number} handlar om tillitsbaserad styrning och uppföljning."
        )
        pdf.showPage()
    pdf.save()
    data = path.read_bytes()
    kids = re.search(rb"/Kids \[ (\d+) 0 R (\d+) 0 R (\d+) 0 R \]", data)
    assert kids, "reportlab changed how it writes the page tree"
    path.write_bytes(
        data.replace(kids.group(0), kids.group(0).replace(kids.group(2) + b" 0 R", b"999 0 R"))
    )
    return path


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """One Prefect test server for the whole session (started only if a test asks)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def v1_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A second real steering model: the shipped recipe trained on the v1 annotations only."""
    from pipeline.annotate import load_annotator
    from pipeline.settings import Settings
    from pipeline.train import train

    folder = tmp_path_factory.mktemp("models") / "v1only"
    train(
        [ROOT / "corpora" / "annotations" / "steering_v1_adjudicated.csv"],
        load_annotator(Settings.annotator_dir),
        folder,
        "steering-v1only",
    )
    return folder
