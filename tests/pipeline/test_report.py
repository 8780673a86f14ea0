from html.parser import HTMLParser

import pytest

from pipeline import refresh
from pipeline.report import SECTIONS
from pipeline.settings import Settings
from tests.conftest import run_cli


class Outline(HTMLParser):
    """The section ids, headings and embedded images of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.images: list[str] = []
        self.quotes = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "section":
            self.sections.append(values["id"])
        elif tag == "img":
            self.images.append(values["src"] or "")
        elif tag == "blockquote":
            self.quotes += 1


@pytest.fixture
def refreshed(small_corpus, tmp_path):
    out = tmp_path / "out"
    refresh.run(small_corpus, out, Settings(progress=False))
    return out


def test_report_has_every_section_with_its_plots_and_examples(refreshed, tmp_path):
    result = run_cli("report", str(refreshed), "-o", str(tmp_path / "report.html"))
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    outline = Outline()
    outline.feed(page)
    assert outline.sections == list(SECTIONS)
    assert len(outline.images) == 3  # shares, term variants, layering
    assert all(src.startswith("data:image/png;base64,iVBORw0KGgo") for src in outline.images)
    assert outline.quotes > 0
    assert "Tillitsdelegationen" in page  # a term of the trust wave in the sediment table
    assert any(f"<td>{phase}</td>" in page for phase in ("rising", "peaked", "sedimented", "faded"))
    assert 'src="http' not in page and "<link" not in page and "<script" not in page


def test_report_of_an_empty_folder_is_refused(tmp_path):
    result = run_cli("report", str(tmp_path / "none"), "-o", str(tmp_path / "r.html"))
    assert result.returncode == 2 and "[E215]" in result.stderr
    assert not (tmp_path / "r.html").exists()


def test_a_report_with_no_year_above_the_minimum_still_renders(refreshed, tmp_path):
    result = run_cli(
        "report", str(refreshed), "-o", str(tmp_path / "r.html"), "--min-sentences", "100000"
    )
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert page.count("No year with enough sentences to draw") == 2  # shares and layering
