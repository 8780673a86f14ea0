import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from pipeline.annotate import load_annotator
from pipeline.classify import model_inputs
from pipeline.errors import SedimentError
from pipeline.features import LinearModel, char_wb_ngrams
from pipeline.settings import Settings
from pipeline.train import new_pipeline, read_annotations
from tests.conftest import ROOT

ANNOTATIONS_V2 = ROOT / "corpora" / "annotations" / "steering_v2_adjudicated.csv"


@pytest.fixture(scope="module")
def fitted():
    """The shipped recipe fitted on 1,000 real sentences, and 500 other sentences to score."""
    data = read_annotations([ANNOTATIONS_V2])
    inputs = model_inputs(
        data.texts, load_annotator(Settings().annotator_dir).lemmatize_texts(data.texts)
    )
    pipeline = new_pipeline().fit(inputs[:1000], data.labels[:1000])
    return pipeline, inputs[1000:1500].reset_index(drop=True)


def test_char_ngrams_are_scikit_learns_for_every_word_length():
    analyzer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5)).build_analyzer()
    for word in ["i", "på", "och", "EU:s", "tillitsbaserad", "2019:43"]:
        assert char_wb_ngrams(word.lower(), 3, 5) == analyzer(word)


def test_the_linear_model_gives_the_pipelines_probabilities(fitted):
    pipeline, unseen = fitted
    expected = np.column_stack([p[:, 1] for p in pipeline.predict_proba(unseen)])
    linear = LinearModel.from_pipeline(pipeline)
    assert np.array_equal(linear.probabilities(unseen), expected)
    # Twice: the second pass reads the remembered n-grams of each word.
    assert np.array_equal(linear.probabilities(unseen), expected)
    assert expected[:, 1].max() > 0.9 and expected[:, 1].min() < 0.1  # not a constant


def test_odd_sentences_get_the_pipelines_features(fitted):
    pipeline, _ = fitted
    odd = pd.DataFrame(
        {
            "text": ["", "   ", "xqzv qqqq", "Tillit\u00a0och\u2003KONTROLL", "i på", "İ ǅ ß"],
            "lemmas": ["", " ", "xqzv", "tillit och kontroll", "i på", "i ǆ ss"],
            "cues": ["", "", "", "trust:tillit control:kontroll", "", ""],
        }
    )
    expected = pipeline.named_steps["features"].transform(odd)
    assert (LinearModel.from_pipeline(pipeline).features(odd) != expected).nnz == 0


def test_the_features_and_their_names_are_the_pipelines(fitted):
    pipeline, unseen = fitted
    features = pipeline.named_steps["features"]
    linear = LinearModel.from_pipeline(pipeline)
    assert linear.feature_names() == features.get_feature_names_out().tolist()
    expected = features.transform(unseen)
    assert (linear.features(unseen) != expected).nnz == 0


def test_a_saved_model_loads_with_the_same_probabilities(fitted, tmp_path):
    pipeline, unseen = fitted
    linear = LinearModel.from_pipeline(pipeline)
    linear.save(tmp_path / "model.npz")
    loaded = LinearModel.load(tmp_path / "model.npz")
    assert np.array_equal(loaded.probabilities(unseen), linear.probabilities(unseen))
    assert loaded.feature_names() == linear.feature_names()


def test_a_file_that_is_not_a_model_is_refused(tmp_path):
    (tmp_path / "model.npz").write_bytes(b"PK\x03\x04 not really a zip file")
    with pytest.raises(SedimentError, match="E205"):
        LinearModel.load(tmp_path / "model.npz")
