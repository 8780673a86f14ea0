import re

import pytest

from pipeline.discover import scan
from pipeline.errors import InputError
from pipeline.extract import extract, is_garbled
from pipeline.synthetic import HEADER, blocks_from_text, report_pdf, similarity
from tests.conftest import SHARED, SHARED_PDF

BACKENDS = ["pdfium", "pdfplumber"]
GARBLED_PDF = "1999_prop-1999-2000-17_avtal-sverige-danmark.pdf"
SCANNED_PDF = "1991_prop-1991-92-43_skattetillagg_utdrag.pdf"


@pytest.fixture(scope="module")
def shared_sources():
    return {source.path: source for source in scan(SHARED_PDF)}


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """Report PDFs set from a real motion: one and two justified, hyphenated columns."""
    text = (SHARED / "corpora/riksdagen/2021-10-05_mot_h9023689.txt").read_text(encoding="utf-8")
    blocks = blocks_from_text(text, 9000)
    sources = {}
    for columns in (1, 2):
        folder = tmp_path_factory.mktemp(f"columns{columns}")
        report_pdf(folder / "rapport.pdf", blocks, columns)
        (sources[columns],) = scan(folder)
    return sources, "\n\n".join(text for _, text in blocks)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("columns", [1, 2])
def test_synthetic_reports_come_out_as_written(synthetic, backend, columns):
    sources, truth = synthetic
    document = extract(sources[columns], backend, ocr=False)
    assert document.n_pages >= 2
    assert similarity(document.text, truth) >= 0.99
    assert HEADER not in document.text
    assert HEADER in document.furniture
    paragraphs = [document.text[p.start : p.end] for p in document.paragraphs]
    assert not [p for p in paragraphs if re.fullmatch(r"\d+", p)]  # page numbers


def test_every_text_pdf_of_the_shared_corpus_extracts(shared_sources):
    for path, source in shared_sources.items():
        if path == SCANNED_PDF:
            continue
        document = extract(source, ocr=False)
        assert len(document.text) > 200, path
        numbers = [page.number for page in document.pages]
        assert numbers == sorted(set(numbers)) and set(numbers) <= set(
            range(1, 1 + document.n_pages)
        )
        for page in document.pages:
            assert 0 <= page.start <= page.end <= len(document.text)


def test_pages_and_paragraphs_point_into_the_text(shared_sources):
    document = extract(shared_sources["2016_dir-2016-15_dataskyddsforordningen.pdf"])
    assert document.n_pages == 28
    page_three = next(page for page in document.pages if page.number == 3)
    assert "regeringsformen" in document.text[page_three.start : page_three.end]
    assert document.page_at(page_three.start) == 3
    for paragraph in document.paragraphs:
        assert document.text[paragraph.start : paragraph.end].strip()
        assert paragraph.kind in {"prose", "heading", "caption", "toc", "reference"}


def test_line_end_hyphens_are_undone_across_lines_and_pages(shared_sources):
    text = extract(shared_sources["2016_dir-2016-15_dataskyddsforordningen.pdf"]).text
    assert "studiestödsdatalagen (2009:287)" in text  # "studiestöds-" ends page 2
    assert "dataskyddsdirektivets struktur" in text
    assert "\ufffe" not in text and "\u00ad" not in text
    assert "fri- och rättighet" in text  # a real hyphen stays


def test_running_headers_and_page_numbers_are_removed(shared_sources):
    document = extract(
        shared_sources["2011_AFS-2011-19_kemiska-arbetsmiljorisker_konsoliderad2017.pdf"]
    )
    assert "AFS 2011:19" in document.furniture
    paragraphs = [document.text[p.start : p.end] for p in document.paragraphs]
    assert not [p for p in paragraphs if re.fullmatch(r"\d{1,3}", p)]
    for page in document.pages[1:]:
        assert not document.text[page.start : page.end].startswith("AFS 2011:19")


def test_page_number_lines_like_sid_n_of_m_are_removed(shared_sources):
    text = extract(shared_sources["2024_Hagfors-kommun_RSA-2023-2026_maskad.pdf"]).text
    assert not re.search(r"Sid \d+\(30\)", text)
    assert "Hagfors" in text


def test_tables_of_contents_are_marked(shared_sources):
    document = extract(shared_sources["2024_Hagfors-kommun_RSA-2023-2026_maskad.pdf"])
    toc = [document.text[p.start : p.end] for p in document.paragraphs if p.kind == "toc"]
    assert toc and all(re.search(r"\d\s*$", entry) for entry in toc)
    assert all(p.pages[0] <= 4 for p in document.paragraphs if p.kind == "toc")


def test_metadata_falls_back_to_the_pdf_title(tmp_path, shared_sources):
    source = shared_sources["2016_dir-2016-15_dataskyddsforordningen.pdf"]
    (tmp_path / "utan_manifest.pdf").write_bytes(source.abs_path.read_bytes())
    (bare,) = scan(tmp_path)
    document = extract(bare)
    assert document.meta.title == "Dir. 2016:15 Dataskyddsförordningen"
    assert document.meta.year == 2016  # from the PDF's creation date


def test_garbled_text_layer_is_detected():
    assert is_garbled("*|UDQ3HUVVRQ")
    assert is_garbled("IUDPJnUDYELODJD\x15WLOOGHQQDODJ\x11")
    assert not is_garbled("https://www.folkhalsomyndigheten.se/contentassets/483e3d9c05c44e1ba5")
    assert not is_garbled("Regeringen beslutar proposition 1999/2000:17 om CO2-utsläpp.")


def test_garbled_lines_are_left_out_and_flagged_without_ocr(shared_sources):
    document = extract(shared_sources[GARBLED_PDF], ocr=False)
    assert document.garbled_pages == (1, 4, 6) and document.ocr_pages == ()
    assert "UDQ3HUVVRQ" not in document.text
    assert "Regeringen överlämnar denna proposition till riksdagen." in document.text


def test_scanned_pdf_without_ocr_is_a_specific_failure(shared_sources):
    with pytest.raises(InputError, match="OCR is off") as caught:
        extract(shared_sources[SCANNED_PDF], ocr=False)
    assert caught.value.kind == "NoTextLayer"
    assert "2 pages" in str(caught.value)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("kind", ["EmptyFile", "NotAPdf", "CorruptPdf", "EncryptedPdf"])
def test_bad_pdfs_raise_their_own_error(bad_pdfs, kind, backend):
    sources = {source.abs_path: source for source in scan(bad_pdfs[kind].parent)}
    with pytest.raises(InputError) as caught:
        extract(sources[bad_pdfs[kind]], backend)
    assert caught.value.kind == kind
    assert bad_pdfs[kind].name in str(caught.value)


def test_a_page_the_backend_cannot_load_does_not_lose_the_others(broken_page_pdf):
    (source,) = scan(broken_page_pdf.parent)
    document = extract(source, "pdfium")
    assert [page for page, _ in document.failed_pages] == [2]
    assert "Sidan 1 handlar" in document.text and "Sidan 3 handlar" in document.text


@pytest.mark.parametrize("backend", BACKENDS)
def test_pdf_without_pages_is_a_specific_failure(tmp_path, backend):
    import pypdfium2 as pdfium

    pdfium.PdfDocument.new().save(tmp_path / "tom.pdf")
    (source,) = scan(tmp_path)
    with pytest.raises(InputError) as caught:
        extract(source, backend)
    assert caught.value.kind == "NoPages"


def test_file_that_vanished_after_discovery_is_a_specific_failure(tmp_path):
    (tmp_path / "snart_borta.txt").write_text("Tillit.\n", encoding="utf-8")
    (source,) = scan(tmp_path)
    source.abs_path.unlink()
    with pytest.raises(InputError) as caught:
        extract(source)
    assert caught.value.kind == "FileVanished"


def test_text_files_keep_paragraphs_and_drop_markdown(tmp_path):
    (tmp_path / "2019_sou.md").write_text(
        "# Med tillit följer bättre resultat\n\nTillitsdelegationen har\növerlämnat sitt "
        "betänkande.\n\n- Mindre [detaljstyrning](https://example.org) behövs.\n",
        encoding="utf-8",
    )
    (source,) = scan(tmp_path)
    document = extract(source)
    assert document.text.split("\n\n") == [
        "Med tillit följer bättre resultat",
        "Tillitsdelegationen har överlämnat sitt betänkande.",
        "Mindre detaljstyrning behövs.",
    ]
    assert [p.kind for p in document.paragraphs] == ["heading", "prose", "prose"]
    assert document.n_pages is None and document.pages[0].number is None


def test_text_file_that_is_not_utf8_names_the_offset(tmp_path):
    (tmp_path / "latin1.txt").write_bytes("Förtroende".encode("latin-1"))
    (source,) = scan(tmp_path)
    with pytest.raises(InputError, match="offset 1") as caught:
        extract(source)
    assert caught.value.kind == "NotUtf8"


@pytest.mark.parametrize(("content", "kind"), [(b"", "EmptyFile"), (b"\n \n\n", "NoText")])
def test_empty_text_files_fail(tmp_path, content, kind):
    (tmp_path / "tom.txt").write_bytes(content)
    (source,) = scan(tmp_path)
    with pytest.raises(InputError) as caught:
        extract(source)
    assert caught.value.kind == kind
