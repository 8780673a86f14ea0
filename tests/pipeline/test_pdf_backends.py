import itertools
from concurrent.futures import ThreadPoolExecutor

import pytest

from pipeline.pdf_backends import PDF_BACKENDS, clean_line
from tests.conftest import SHARED_PDF

PDF = SHARED_PDF / "2016_dir-2016-15_dataskyddsforordningen.pdf"


@pytest.mark.parametrize("backend", sorted(PDF_BACKENDS))
def test_backends_give_positioned_lines_in_reading_order(backend):
    _, read = PDF_BACKENDS[backend]
    raw = read(PDF, PDF.name)
    assert raw.n_pages == 28 and [page.number for page in raw.pages] == list(range(1, 29))
    assert raw.metadata["Title"] == "Dir. 2016:15 Dataskyddsförordningen"
    page = raw.pages[2]
    for line in page.lines:
        assert 0 <= line.x0 < line.x1 <= page.width and 0 <= line.top < line.bottom <= page.height
    body = [line for line in page.lines if 60 < line.top < page.height - 60]
    tops = [line.top for line in body]
    assert all(later > earlier - 3 for earlier, later in itertools.pairwise(tops))  # top down
    texts = [line.text for line in page.lines]
    assert "Regeringsformen och kravet på lagreglering för viss" in texts


def test_clean_line_spells_out_ligatures_and_symbol_font_glyphs():
    assert clean_line("e\ufb00ektiv \ufb01nansiering\u00a0") == "effektiv finansiering"
    assert clean_line("\uf062-Naftylamin \uf0b7 punkt") == "β-Naftylamin • punkt"
    assert clean_line("detalj\u00adstyr\u00ad") == "detaljstyr\u00ad"


def test_pdfium_reads_the_same_lines_from_many_threads_at_once():
    """pdfium is not thread-safe; the thread runner must still get every page right."""
    _, read = PDF_BACKENDS["pdfium"]
    pdfs = sorted(SHARED_PDF.glob("*.pdf"))[:12]
    alone = {pdf.name: read(pdf, pdf.name) for pdf in pdfs}
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = dict(pool.map(lambda pdf: (pdf.name, read(pdf, pdf.name)), pdfs * 3))
    assert together == alone
