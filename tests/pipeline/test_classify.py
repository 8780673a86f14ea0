import json
import shutil
from pathlib import Path

import pytest
import skops.io as sio
from sklearn.preprocessing import FunctionTransformer

from pipeline.annotate import load_annotator, tokenize
from pipeline.classify import load_model
from pipeline.errors import SedimentError
from pipeline.records import LABELS
from pipeline.settings import Settings


@pytest.fixture(scope="module")
def scored():
    """Score a few sentences from ANNOTATION.md's examples and guidelines."""
    model = load_model(Settings().model_dir)
    annotator = load_annotator(Settings().annotator_dir)

    def score(text):
        lemmas = annotator.annotate_tokens(tokenize(text))[0]
        return model.predict([text], [lemmas])[0]

    return score


def test_control_sentence_is_control(scored):
    result = scored("Nämnden följer upp verksamheten med kvartalsrapporter och nyckeltal.")
    assert result.decisions == {"trust": False, "control": True, "detail": False}


def test_trust_sentence_is_trust(scored):
    result = scored("Styrningen ska präglas av tillit till medarbetarnas kunskap och erfarenhet.")
    assert result.decisions["trust"] and not result.decisions["control"]


@pytest.mark.parametrize(
    "text",
    ["Kommunen har 29 000 invånare.", "De förtroendevalda sammanträder en gång i månaden."],
)
def test_sentences_without_steering_language_get_no_label(scored, text):
    result = scored(text)
    assert not any(result.decisions.values())
    assert all(0.0 <= result.probabilities[label] < 0.5 for label in LABELS)


def test_shipped_card_documents_the_model():
    card = json.loads((Path(Settings().model_dir) / "card.json").read_text(encoding="utf-8"))
    assert card["version"] == load_model(Settings().model_dir).version
    assert set(card["thresholds"]) == set(LABELS)
    assert card["training_data"]["sentences"] == 2000
    assert card["grouped_cv"]["groups"] == "doc_id"


def test_models_with_untrusted_types_are_refused(tmp_path):
    shutil.copy(f"{Settings().model_dir}/card.json", tmp_path / "card.json")
    sio.dump(FunctionTransformer(func=eval), tmp_path / "model.skops")
    with pytest.raises(SedimentError, match="does not trust") as caught:
        load_model(str(tmp_path))
    assert "eval" in str(caught.value)


def test_missing_model_says_how_to_build_it(tmp_path):
    with pytest.raises(SedimentError, match="make models"):
        load_model(str(tmp_path))
