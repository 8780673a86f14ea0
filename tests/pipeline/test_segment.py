from pipeline.discover import scan
from pipeline.extract import extract
from pipeline.segment import is_prose, segment, split_spans
from tests.conftest import SAMPLE


def sentences_of(text):
    return [text[start:end] for start, end in split_spans(text)]


def test_abbreviations_and_paragraph_signs_do_not_end_sentences():
    text = (
        "Enligt 2 kap. 6 § regeringsformen gäller bl.a. skydd mot övervakning, t.ex. "
        "kartläggning. Dir. 2016:15 beslutades av regeringen. Se prop. 1991/92:43 m.m. "
        "för detaljer! Vad är tillitsbaserad styrning? Den bygger på förtroende."
    )
    assert sentences_of(text) == [
        "Enligt 2 kap. 6 § regeringsformen gäller bl.a. skydd mot övervakning, t.ex. kartläggning.",
        "Dir. 2016:15 beslutades av regeringen.",
        "Se prop. 1991/92:43 m.m. för detaljer!",
        "Vad är tillitsbaserad styrning?",
        "Den bygger på förtroende.",
    ]


def test_initials_do_not_end_sentences_but_bullets_do():
    assert sentences_of("Utredaren A. Andersson lämnade förslag. • Färre mål • Mer tillit") == [
        "Utredaren A. Andersson lämnade förslag.",
        "Färre mål",
        "Mer tillit",
    ]


def test_lower_case_after_a_period_continues_the_sentence():
    assert len(sentences_of("Beloppet är 45,2 mkr. och ökar. Det är mycket.")) == 2


def test_table_of_contents_lines_and_bare_numbers_are_not_prose():
    assert not is_prose("2.3 Uppföljning och kontroll ........................ 17")
    assert not is_prose("(2009:287)")
    assert is_prose("Nämnden följer upp verksamheten.")


def test_sentences_of_a_real_pdf_carry_exact_offsets_and_pages():
    source = next(
        s for s in scan(SAMPLE) if s.path.endswith("2016_dir-2016-15_dataskyddsforordningen.pdf")
    )
    document = extract(source)
    sentences = segment(document)
    assert len(sentences) > 200
    assert [s.idx for s in sentences] == list(range(len(sentences)))
    for sentence in sentences:
        assert document.text[sentence.char_start : sentence.char_end] == sentence.text
        assert sentence.page == document.page_at(sentence.char_start)
    pages = [s.page for s in sentences]
    assert pages == sorted(pages) and pages[0] == 1 and pages[-1] >= 27
    assert any(
        s.text == "Regleringen i regeringsformen innebär att viss personuppgiftsbehandling "
        "måste regleras i lag."
        for s in sentences
    )
