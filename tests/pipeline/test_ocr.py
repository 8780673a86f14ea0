import pytest

from pipeline.discover import scan
from pipeline.extract import extract
from pipeline.ocr import ocr_available
from pipeline.synthetic import HEADER, blocks_from_text, report_pdf, scanned_copy, similarity
from tests.conftest import SHARED, SHARED_PDF

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def require_tesseract():
    if not ocr_available():
        pytest.fail("Tesseract with its Swedish model is not installed (.ci/run installs it)")


@pytest.mark.parametrize("columns", [1, 2])
def test_scanned_report_is_read_by_ocr(tmp_path, columns):
    text = (SHARED / "corpora/riksdagen/2023-10-05_mot_hb022454.txt").read_text(encoding="utf-8")
    blocks = blocks_from_text(text, 5000)
    report_pdf(tmp_path / "original.pdf", blocks, columns)
    (tmp_path / "scan").mkdir()
    scanned_copy(tmp_path / "original.pdf", tmp_path / "scan" / "skannad.pdf")
    (source,) = scan(tmp_path / "scan")
    document = extract(source)
    assert document.ocr_pages == tuple(range(1, document.n_pages + 1))
    assert similarity(document.text, "\n\n".join(t for _, t in blocks)) >= 0.95
    assert HEADER not in document.text


def test_garbled_pages_are_read_again_by_ocr():
    (source,) = [s for s in scan(SHARED_PDF) if s.path.startswith("1999_prop-1999-2000-17")]
    document = extract(source)
    assert document.ocr_pages == (1, 4, 6) and document.garbled_pages == ()
    assert "Persson" in document.text and "UDQ3HUVVRQ" not in document.text
