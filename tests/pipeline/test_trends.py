import pandas as pd
import pytest

from pipeline import refresh, trends
from pipeline.settings import Settings
from pipeline.terms import load_families
from pipeline.trends import SentenceCounts, trends_table

DOCUMENTS = pd.DataFrame(
    {
        "doc_id": ["a", "b", "c", "d", "e", "f"],
        "year": [2019, 2019, 2020, 2020, 2021, None],
        "status": ["ok", "ok", "ok", "failed", "ok", "ok"],
        "organisation": ["SKR", "Regeringen", "SKR", "SKR", None, "SKR"],
        "doc_type": ["rapport", "rapport", "motion", "motion", None, "motion"],
    }
)


def sentences(rows):
    """Sentence rows (doc_id, trust, control, detail, p_trust) with p_control/p_detail at 0.1."""
    frame = pd.DataFrame(rows, columns=["doc_id", "trust", "control", "detail", "p_trust"])
    return frame.assign(p_control=0.1, p_detail=0.1)


SENTENCES = sentences(
    [
        ("a", True, True, False, 0.9),
        ("a", True, False, False, 0.7),
        ("b", False, False, False, 0.2),
        ("b", False, False, False, 0.2),
        ("c", False, True, False, 0.1),
        ("c", False, True, False, 0.3),
        ("d", True, False, False, 0.9),  # a failed document: never counted
        ("f", True, False, False, 0.9),  # undated: never counted
    ]
)


def row(table, level, group, year, label):
    match = table[
        (table["level"] == level)
        & (table["group"].isna() if group is None else table["group"] == group)
        & (table["year"] == year)
        & (table["label"] == label)
    ]
    assert len(match) == 1
    return match.iloc[0]


def test_shares_counts_and_document_shares_by_hand():
    table = trends_table(SentenceCounts.of(SENTENCES, {}), DOCUMENTS).to_pandas()
    trust_2019 = row(table, "all", None, 2019, "trust")
    assert (trust_2019.n_documents, trust_2019.n_sentences, trust_2019.n_positive) == (2, 4, 2)
    assert trust_2019.share == 0.5 and trust_2019.doc_share == 0.5
    assert trust_2019.p_share == pytest.approx((0.9 + 0.7 + 0.2 + 0.2) / 4)
    assert trust_2019.share_low < 0.5 < trust_2019.share_high
    control_2020 = row(table, "all", None, 2020, "control")
    assert (control_2020.n_documents, control_2020.share, control_2020.doc_share) == (1, 1.0, 1.0)


def test_a_dated_document_without_sentences_gives_zero_shares_and_a_full_interval():
    table = trends_table(SentenceCounts.of(SENTENCES, {}), DOCUMENTS).to_pandas()
    empty = row(table, "all", None, 2021, "trust")
    assert (empty.n_documents, empty.n_sentences, empty.share, empty.doc_share) == (1, 0, 0.0, 0.0)
    assert (empty.share_low, empty.share_high, empty.p_share) == (0.0, 1.0, 0.0)


def test_organisations_and_document_types_are_their_own_groups_where_known():
    table = trends_table(SentenceCounts.of(SENTENCES, {}), DOCUMENTS).to_pandas()
    skr = row(table, "organisation", "SKR", 2019, "trust")
    assert (skr.n_documents, skr.n_sentences, skr.n_positive) == (1, 2, 2)
    assert row(table, "doc_type", "motion", 2020, "control").n_positive == 2
    assert set(table.loc[table["level"] == "organisation", "group"]) == {"SKR", "Regeringen"}
    assert 2021 not in set(table.loc[table["level"] == "organisation", "year"])


def test_no_documents_means_no_rows():
    empty_documents = DOCUMENTS.iloc[0:0]
    assert trends_table(SentenceCounts.of(sentences([]), {}), empty_documents).num_rows == 0


def test_stored_files_counted_in_small_reads_equal_all_sentences_counted_at_once(
    small_corpus, tmp_path, monkeypatch
):
    out = tmp_path / "out"
    refresh.run(small_corpus, out, Settings())
    families = load_families(None)
    monkeypatch.setattr(trends, "_ROWS_PER_READ", 50)  # many reads of every file
    pieces = trends.count_stored(out / "sentences", families)
    everything = trends.read_sentences(out / "sentences", [*trends.SENTENCE_COLUMNS, "lemmas"])
    whole = SentenceCounts.of(everything, families)
    assert everything.groupby("doc_id").size().max() > 50  # some file takes several reads
    sizes = everything.groupby("doc_id").size().rename("n_sentences")
    assert pieces.labels["n_sentences"].to_dict() == sizes.to_dict()
    assert len(whole.labels) == 7 and whole.terms["n_matching"].sum() > 0
    pd.testing.assert_frame_equal(pieces.labels.sort_index(), whole.labels.sort_index())
    order = ["doc_id", "family", "term"]
    pd.testing.assert_frame_equal(
        pieces.terms.sort_values(order).reset_index(drop=True),
        whole.terms.sort_values(order).reset_index(drop=True),
    )
