import re

import pytest

from pipeline.discover import scan
from pipeline.errors import InputError
from pipeline.extract import extract
from tests.conftest import SHARED_PDF


@pytest.fixture(scope="module")
def shared_sources():
    return {source.path: source for source in scan(SHARED_PDF)}


def test_every_text_pdf_of_the_shared_corpus_extracts(shared_sources):
    for path, source in shared_sources.items():
        if path.startswith("1991_prop"):
            continue
        document = extract(source)
        assert document.n_pages == len(document.pages) > 0
        assert len(document.text) > 200, path
        for page in document.pages:
            assert 0 <= page.start <= page.end <= len(document.text)


def test_pages_and_paragraphs_point_into_the_text(shared_sources):
    document = extract(shared_sources["2016_dir-2016-15_dataskyddsforordningen.pdf"])
    assert document.n_pages == 28
    assert [page.number for page in document.pages] == list(range(1, 29))
    starts = [page.start for page in document.pages]
    assert starts == sorted(starts)
    page_three = document.pages[2]
    assert "regeringsformen" in document.text[page_three.start : page_three.end]
    assert document.page_at(page_three.start) == 3
    for paragraph in document.paragraphs:
        assert document.text[paragraph.start : paragraph.end].strip()


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
    paragraphs = [document.text[p.start : p.end] for p in document.paragraphs]
    assert "AFS 2011:19" not in paragraphs
    assert not [p for p in paragraphs if re.fullmatch(r"\d{1,3}", p)]
    for page in document.pages[1:]:
        assert not document.text[page.start : page.end].startswith("AFS 2011:19")


def test_page_number_lines_like_sid_n_of_m_are_removed(shared_sources):
    text = extract(shared_sources["2024_Hagfors-kommun_RSA-2023-2026_maskad.pdf"]).text
    assert not re.search(r"Sid \d+\(30\)", text)
    assert "Hagfors" in text


def test_metadata_falls_back_to_the_pdf_title(tmp_path, shared_sources):
    source = shared_sources["2016_dir-2016-15_dataskyddsforordningen.pdf"]
    copy = tmp_path / "utan_manifest.pdf"
    copy.write_bytes(source.abs_path.read_bytes())
    (bare,) = scan(tmp_path)
    document = extract(bare)
    assert document.meta.title == "Dir. 2016:15 Dataskyddsförordningen"
    assert document.meta.year == 2016  # from the PDF's creation date


def test_scanned_pdf_without_text_layer_is_a_specific_failure(shared_sources):
    with pytest.raises(InputError) as caught:
        extract(shared_sources["1991_prop-1991-92-43_skattetillagg_utdrag.pdf"])
    assert caught.value.kind == "NoTextLayer"
    assert "2 pages" in str(caught.value)


@pytest.mark.parametrize("kind", ["EmptyFile", "NotAPdf", "CorruptPdf", "EncryptedPdf"])
def test_bad_pdfs_raise_their_own_error(bad_pdfs, kind):
    sources = {source.abs_path: source for source in scan(bad_pdfs[kind].parent)}
    with pytest.raises(InputError) as caught:
        extract(sources[bad_pdfs[kind]])
    assert caught.value.kind == kind
    assert bad_pdfs[kind].name in str(caught.value)


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


def test_pdf_without_pages_is_a_specific_failure(tmp_path):
    import pypdfium2 as pdfium

    pdfium.PdfDocument.new().save(tmp_path / "tom.pdf")
    (source,) = scan(tmp_path)
    with pytest.raises(InputError) as caught:
        extract(source)
    assert caught.value.kind == "NoPages"


def test_file_that_vanished_after_discovery_is_a_specific_failure(tmp_path):
    (tmp_path / "snart_borta.txt").write_text("Tillit.\n", encoding="utf-8")
    (source,) = scan(tmp_path)
    source.abs_path.unlink()
    with pytest.raises(InputError) as caught:
        extract(source)
    assert caught.value.kind == "FileVanished"
