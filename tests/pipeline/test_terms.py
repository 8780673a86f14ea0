import pandas as pd
import pytest

from pipeline.errors import SedimentError
from pipeline.terms import load_families, matching_terms
from pipeline.trends import (
    SentenceCounts,
    layering_table,
    sediment_table,
    terms_table,
    trends_table,
)

FAMILIES = load_families(None)


def test_built_in_families_match_lemmas_of_real_sentences():
    assert matching_terms(["en", "tillitsbaserad", "styrning"], FAMILIES) == [
        ("trust wave", "tillitsbaserad")
    ]
    found = matching_terms(["mål-", "och", "resultatstyrning", "följa", "upp"], FAMILIES)
    assert found == [("control", "mål- och resultatstyrning"), ("control", "uppföljning")]
    assert matching_terms(["förtroendevald"], FAMILIES) == []


def test_a_term_file_replaces_the_families_and_bad_files_are_refused(tmp_path):
    path = tmp_path / "terms.toml"
    path.write_text('[families.tillit]\ntillit = "tillit"\n', encoding="utf-8")
    assert matching_terms(["tillitsreform"], load_families(path)) == [("tillit", "tillit")]
    path.write_text('[families.tillit]\ntillit = "tillit("\n', encoding="utf-8")
    with pytest.raises(SedimentError, match=r"E220.*tillit/tillit"):
        load_families(path)
    path.write_text("families = 3\n", encoding="utf-8")
    with pytest.raises(SedimentError, match="E220"):
        load_families(path)
    with pytest.raises(SedimentError, match="E210"):
        load_families(tmp_path / "missing.toml")


DOCUMENTS = pd.DataFrame(
    {
        "doc_id": ["a", "b", "c", "d"],
        "year": [2018, 2018, 2020, 2020],
        "status": ["ok"] * 4,
        "organisation": [None] * 4,
        "doc_type": [None] * 4,
    }
)
# (doc_id, lemmas, trust, control)
ROWS = [
    ("a", ["tillitsbaserad", "styrning"], True, False),
    ("a", ["uppföljning"], False, True),
    ("b", ["budget"], False, False),
    ("b", ["tillitsreform"], True, False),
    ("c", ["uppföljning", "av", "mål"], False, True),
    ("c", ["kommun"], False, False),
    ("d", ["tillitsbaserad", "styrning", "och", "uppföljning"], True, True),
    ("d", ["tillitsbaserad"], True, False),
]
SENTENCES = pd.DataFrame(
    {
        "doc_id": [r[0] for r in ROWS],
        "lemmas": [r[1] for r in ROWS],
        "trust": [r[2] for r in ROWS],
        "control": [r[3] for r in ROWS],
        "detail": False,
        "p_trust": [0.8 if r[2] else 0.1 for r in ROWS],
        "p_control": [0.8 if r[3] else 0.1 for r in ROWS],
        "p_detail": 0.0,
    }
)

# Counted in two parts, as stored files are read: the sums must not depend on the split.
COUNTS = SentenceCounts.tallied([SENTENCES[:3], SENTENCES[3:]], FAMILIES)


def test_term_shares_per_year_by_hand():
    terms = (
        terms_table(COUNTS, DOCUMENTS, FAMILIES)
        .to_pandas()
        .set_index(["year", "family", "term"], drop=False)
    )
    wave_2018 = terms[(terms.year == 2018) & (terms.family == "trust wave") & terms.term.isna()]
    assert wave_2018[["n_sentences", "n_matching", "share", "doc_share"]].iloc[0].tolist() == [
        4, 2, 0.5, 1.0,
    ]  # fmt: skip
    based_2020 = terms.loc[(2020, "trust wave", "tillitsbaserad")]
    assert (based_2020.n_matching, based_2020.doc_share) == (2, 0.5)
    assert terms.loc[(2020, "control", "uppföljning")].n_matching == 2


def test_layering_counts_documents_with_both_kinds_of_language():
    layering = layering_table(COUNTS, DOCUMENTS).to_pandas().set_index("year")
    # 2018: a has trust and control, b only trust. 2020: c only control, d both.
    shares = ["trust_doc_share", "control_doc_share", "both_doc_share"]
    assert layering.loc[2018, shares].tolist() == [1.0, 0.5, 0.5]
    assert layering.loc[2020, "expected_both_doc_share"] == 0.5 * 1.0
    assert layering["correlation"].isna().all()  # two documents a year are too few


def test_sediment_table_has_a_row_per_label_family_and_term():
    trends = trends_table(COUNTS, DOCUMENTS)
    terms = terms_table(COUNTS, DOCUMENTS, FAMILIES)
    table = sediment_table(trends, terms).to_pandas().set_index(["kind", "name"])
    assert {name for kind, name in table.index if kind == "label"} == {"trust", "control", "detail"}
    assert {name for kind, name in table.index if kind == "family"} == set(FAMILIES)
    assert table.loc[("term", "tillitsbaserad"), "family"] == "trust wave"
    # trust: 2018 2/4, 2020 2/4 -> a tie; the earliest is the peak, the latest keeps all of it.
    trust = table.loc[("label", "trust")]
    assert (trust.peak_year, trust.residual_ratio, trust.phase) == (2018, 1.0, "peaked")
    assert trust.baseline == 0.25
    by_probability = sediment_table(trends, terms, "probabilities").to_pandas()
    by_probability = by_probability.set_index(["kind", "name"])
    assert by_probability.loc[("label", "trust"), "peak_share"] == pytest.approx(0.45)
    assert by_probability.loc[("term", "tillitsbaserad"), "share_from"] == "labels"
