import shutil

import pandas as pd
import pytest

from pipeline import refresh, retrain
from pipeline.classify import load_model
from pipeline.errors import SedimentError
from pipeline.settings import Settings
from tests.conftest import ROOT

pytestmark = [pytest.mark.flow, pytest.mark.slow]

ANNOTATIONS = ROOT / "corpora" / "annotations"
V1 = ANNOTATIONS / "steering_v1_adjudicated.csv"
V2 = ANNOTATIONS / "steering_v2_adjudicated.csv"
SHIPPED = (ROOT / "models" / "steering" / "current").resolve()


def models_root(tmp_path, current):
    """A models folder holding a copy of ``current``, which the ``current`` link points at."""
    root = tmp_path / "steering"
    root.mkdir()
    shutil.copytree(current, root / current.name)
    retrain.promote(root / current.name, root)
    return root


def test_a_better_candidate_is_promoted_and_the_corpus_reclassified(
    prefect_server, v1_model, small_corpus, tmp_path
):
    from flows.retrain import retrain_flow

    root = models_root(tmp_path, v1_model)
    out = tmp_path / "out"
    settings = Settings(progress=False, model_dir=str(root / "current"))
    refresh.run(small_corpus, out, settings)

    comparison = retrain_flow(
        [str(V1), str(V2)], "steering-v9", str(root),
        corpus_dir=str(small_corpus), output_dir=str(out), settings=settings.as_dict(),
    )  # fmt: skip

    assert comparison.current_version == "steering-v1only" and comparison.sentences == 3054
    assert comparison.candidate["macro"]["f1"] > comparison.current["macro"]["f1"]
    assert retrain.current_model(root) == (root / "v9").resolve()
    sentences = pd.read_parquet(out / "sentences")
    assert set(sentences["model_version"]) == {"steering-v9"}
    documents = pd.read_parquet(out / "documents")
    assert set(documents["model_version"]) == {"steering-v9"}
    assert len(documents) == 7


def test_a_worse_candidate_is_kept_out(prefect_server, tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.retrain import retrain_flow

    root = models_root(tmp_path, SHIPPED)

    comparison = retrain_flow([str(V2)], "steering-v2only", str(root))

    assert comparison.current_version == load_model(SHIPPED).version
    assert comparison.sentences == 1054
    assert comparison.candidate["macro"]["f1"] < comparison.current["macro"]["f1"]
    assert not comparison.promote
    assert retrain.current_model(root) == (root / SHIPPED.name).resolve()
    assert (root / "v2only" / "card.json").is_file()  # kept for inspection
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["sediment-retrain"]))
        )
    assert any("steering-v2only not promoted" in artifact.data for artifact in artifacts)


def test_a_version_that_exists_is_refused_before_training(prefect_server, tmp_path):
    from flows.retrain import retrain_flow

    root = models_root(tmp_path, SHIPPED)
    with pytest.raises(SedimentError, match="E218"):
        retrain_flow([str(V1)], load_model(SHIPPED).version, str(root))
