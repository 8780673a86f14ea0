import pytest

from pipeline.layout import PageLines, TextLine, join_hyphenated, lay_out

A4 = (595.0, 842.0)


@pytest.mark.parametrize(
    ("left", "right", "joined"),
    [
        ("styrningen är tillits-", "baserad", "styrningen är tillitsbaserad"),
        ("alla NPM-", "reformer", "alla NPM-reformer"),
        ("både kort-", "och långsiktiga", "både kort- och långsiktiga"),
        ("verk-", "samheten", "verksamheten"),
        ("via e-", "post", "via e-post"),
        ("åren 2019-", "2020", "åren 2019-2020"),
        ("inom EU-", "länderna", "inom EU-länderna"),
        ("styrdoku\ufffe", "mentet", "styrdokumentet"),
        ("detalj\u00ad", "styrning", "detaljstyrning"),
        ("mål", "och resultat", "mål och resultat"),
    ],
)
def test_line_end_hyphens(left, right, joined):
    assert join_hyphenated(left, right) == joined


def column(texts, x0=72.0, x1=523.0, top=100.0, pitch=14.0, height=11.0, short=()):
    """Lines of a justified column; indexes in ``short`` end before the right edge."""
    return [
        TextLine(
            text, x0, x1 - (200 if i in short else 0), top + i * pitch, top + i * pitch + height
        )
        for i, text in enumerate(texts)
    ]


def page(number, lines, header=True):
    furniture = [
        TextLine("Kommunstyrelsen – Styrmodell 2024", 72, 300, 30, 40),
        TextLine(str(number), 290, 300, 800, 810),
    ]
    return PageLines(number, *A4, tuple((furniture if header else []) + lines))


def test_headers_footers_and_page_numbers_are_removed_and_kept_as_provenance():
    body = column(["Nämnderna ansvarar för sin verksamhet."])
    layout = lay_out([page(1, body), page(2, body), page(3, body)])
    assert [p.text for p in layout.paragraphs] == ["Nämnderna ansvarar för sin verksamhet."] * 3
    assert "Kommunstyrelsen – Styrmodell 2024" in layout.furniture


def test_paragraphs_from_short_last_lines_indents_and_headings():
    heading = [TextLine("Styrning och ledning", 72, 250, 80, 96)]
    lines = column(
        [
            "Kommunens styrmodell bygger på tillit till medarbetarnas kunskap och",
            "förmåga. Nämnderna följer upp verksamheten två gånger per år med nyckel-",
            "tal och dialog.",
            "Uppföljningen ska vara enkel och ge underlag för lärande i hela",
            "organisationen.",
        ],
        short=(2, 4),
    )
    (laid,) = [lay_out([page(1, heading + lines, header=False)])]
    assert [(p.kind, p.text) for p in laid.paragraphs] == [
        ("heading", "Styrning och ledning"),
        (
            "prose",
            "Kommunens styrmodell bygger på tillit till medarbetarnas kunskap och förmåga. "
            "Nämnderna följer upp verksamheten två gånger per år med nyckeltal och dialog.",
        ),
        (
            "prose",
            "Uppföljningen ska vara enkel och ge underlag för lärande i hela organisationen.",
        ),
    ]


def test_two_columns_are_read_in_order_and_a_paragraph_runs_on_across_them():
    left = column(["Tillitsdelegationen föreslog att styr-", "ningen skulle utgå från"], 72, 290)
    right = column(["medborgarnas behov och att detalj-", "styrningen skulle minska."], 305, 523)
    laid = lay_out([page(1, left + right, header=False)])
    assert [p.text for p in laid.paragraphs] == [
        "Tillitsdelegationen föreslog att styrningen skulle utgå från medborgarnas behov och "
        "att detaljstyrningen skulle minska."
    ]


def test_a_paragraph_runs_on_to_the_next_page():
    first = page(1, column(["Regeringen anser att myndigheternas", "handlingsutrymme bör"]))
    second = page(2, column(["öka i hela staten."]))
    third = page(3, column(["Ny mening."]))
    (paragraph, _) = lay_out([first, second, third]).paragraphs
    assert (
        paragraph.text
        == "Regeringen anser att myndigheternas handlingsutrymme bör öka i hela staten."
    )
    assert paragraph.pages == [1, 2]


def test_toc_reference_and_caption_kinds():
    lines = [
        TextLine("Innehåll", 72, 160, 80, 96),
        *column(
            ["1 Inledning ........................ 3", "2 Styrning och uppföljning ........ 7"],
            top=110,
        ),
        TextLine("Figur 3. Andel nämnder med färre mål", 72, 300, 200, 211),
        TextLine("Referenser", 72, 170, 240, 256),
        *column(
            ["Bringselius, L. (2018). Tillit och omprövning.", "Lund: Studentlitteratur."],
            top=270,
            short=(0, 1),
        ),
    ]
    kinds = [(p.kind, p.text[:12]) for p in lay_out([page(1, lines, header=False)]).paragraphs]
    assert kinds == [
        ("heading", "Innehåll"),
        ("toc", "1 Inledning "),
        ("toc", "2 Styrning o"),
        ("caption", "Figur 3. And"),
        ("heading", "Referenser"),
        ("reference", "Bringselius,"),
        ("reference", "Lund: Studen"),
    ]


def test_columns_drawn_row_by_row_are_read_column_by_column():
    words = "om tillit och styrning i kommunen"
    left = column([f"Vänster rad {i} {words}" for i in range(7)] + ["Slut."], 72, 290)
    right = column([f"Höger rad {i} {words}" for i in range(8)], 305, 523)
    interleaved = [line for pair in zip(left, right, strict=True) for line in pair]
    first, second = lay_out([page(1, interleaved, header=False)]).paragraphs
    assert first.text.startswith("Vänster rad 0") and first.text.endswith("Slut.")
    assert "Höger" not in first.text
    assert second.text.startswith("Höger rad 0") and "Höger rad 7" in second.text
