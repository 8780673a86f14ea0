import pandas as pd

from pipeline.trends import yearly_trends


def test_shares_per_year_and_label_are_counted_by_hand():
    sentences = pd.DataFrame(
        {
            "year": [2019, 2019, 2019, 2019, 2020, 2020, None],
            "trust": [True, True, False, False, False, False, True],
            "control": [True, False, False, False, True, True, False],
            "detail": [False] * 7,
        }
    )
    documents = pd.DataFrame(
        {
            "year": [2019, 2019, 2020, 2020, 2021, None],
            "status": ["ok", "ok", "ok", "failed", "ok", "ok"],
        }
    )
    table = yearly_trends(sentences, documents).to_pandas().set_index(["year", "label"])
    assert table.loc[(2019, "trust")].tolist() == [2, 4, 2, 0.5]
    assert table.loc[(2019, "control")].tolist() == [2, 4, 1, 0.25]
    assert table.loc[(2020, "control")].tolist() == [1, 2, 2, 1.0]
    assert table.loc[(2020, "detail")].tolist() == [1, 2, 0, 0.0]
    # A dated document without sentences gives zero counts, not a division by zero.
    assert table.loc[(2021, "trust")].tolist() == [1, 0, 0, 0.0]
    assert sorted({year for year, _ in table.index}) == [2019, 2020, 2021]


def test_no_documents_means_no_rows():
    empty = pd.DataFrame({"year": [], "trust": [], "control": [], "detail": []})
    assert yearly_trends(empty, pd.DataFrame({"year": [], "status": []})).num_rows == 0
