import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline import cues, refresh, suggest, trends
from pipeline.annotate import load_annotator, tokenize
from pipeline.classify import load_model
from pipeline.cli import DEFAULT_ANNOTATIONS
from pipeline.cues import cue_tokens, cue_tokens_of
from pipeline.errors import SedimentError
from pipeline.records import LABELS
from pipeline.settings import Settings
from pipeline.train import read_annotations
from pipeline.trends import read_sentences
from tests.conftest import ROOT, run_cli

ANNOTATIONS_V2 = ROOT / "corpora" / "annotations" / "steering_v2_adjudicated.csv"


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
    result = scored("Styrelsen följer upp förvaltningens arbete med månadsrapporter och nyckeltal.")
    assert result.decisions == {"trust": False, "control": True, "detail": False}


def test_trust_sentence_is_trust(scored):
    result = scored("Styrningen ska präglas av tillit till medarbetarnas kunskap och erfarenhet.")
    assert result.decisions["trust"] and not result.decisions["control"]


@pytest.mark.parametrize(
    "text",
    ["Regionen har 31 000 invånare.", "De förtroendevalda i nämnden möts varannan vecka."],
)
def test_sentences_without_steering_language_get_no_label(scored, text):
    result = scored(text)
    assert not any(result.decisions.values())
    assert all(0.0 <= result.probabilities[label] < 0.5 for label in LABELS)


def test_shipped_model_is_trained_on_the_bundled_annotations_and_its_card_says_so():
    card = json.loads((Path(Settings().model_dir) / "card.json").read_text(encoding="utf-8"))
    assert card["version"] == load_model(Settings().model_dir).version
    assert set(card["thresholds"]) == set(LABELS)
    bundled = read_annotations(DEFAULT_ANNOTATIONS)
    assert card["training_data"]["files"] == [path.name for path in DEFAULT_ANNOTATIONS]
    assert card["training_data"]["sha256"] == bundled.sha256
    assert card["training_data"]["sentences"] == len(bundled.texts)
    assert card["grouped_cv"]["groups"] == "doc_id"
    assert card["held_out"]["sentences"] > 400 and len(card["held_out"]["documents"]) == 12
    assert set(card["calibration"]) == set(LABELS)


def test_a_model_file_with_pickled_objects_is_refused(tmp_path):
    shutil.copy(f"{Settings().model_dir}/card.json", tmp_path / "card.json")
    with np.load(Path(Settings().model_dir) / "model.npz") as shipped:
        arrays = {name: shipped[name] for name in shipped.files}
    arrays["coef"] = np.array([print], dtype=object)  # would be unpickled by a careless loader
    np.savez(tmp_path / "model.npz", **arrays)
    with pytest.raises(SedimentError, match=r"E205.*allow_pickle") as caught:
        load_model(str(tmp_path))
    assert "refusing" in str(caught.value)


def test_missing_model_says_how_to_build_it(tmp_path):
    with pytest.raises(SedimentError, match="make models"):
        load_model(str(tmp_path))


def test_explain_names_the_guideline_cues_that_decided(tmp_path):
    result = run_cli("explain", "Nämnden följer upp verksamheten med nyckeltal och indikatorer.")
    assert result.returncode == 0, result.stderr
    sections: dict[str, list[str]] = {}
    current = ""
    for line in result.stdout.splitlines():
        if line.startswith("  "):
            sections[current].append(line.split()[1] if float(line.split()[0]) > 0 else "")
        else:
            current = line.split(":")[0]
            sections[current] = [line]
    assert set(sections) == set(LABELS)
    assert sections["control"][0].endswith("-> yes") and sections["trust"][0].endswith("-> no")
    assert sections["control"][1].startswith("cues__control:")


def test_classify_keeps_the_columns_and_adds_decisions_and_probabilities(tmp_path):
    rows = read_annotations([ANNOTATIONS_V2]).texts[:40]
    source = tmp_path / "in.csv"
    pd.DataFrame({"id": range(len(rows)), "text": rows, "note": "x"}).to_csv(source, index=False)
    result = run_cli("classify", str(source), "-o", str(tmp_path / "out.csv"))
    assert result.returncode == 0, result.stderr
    out = pd.read_csv(tmp_path / "out.csv")
    assert list(out.columns) == [
        "id", "text", "note", *LABELS, *(f"p_{label}" for label in LABELS),
    ]  # fmt: skip
    assert out["text"].tolist() == rows and (out["note"] == "x").all()
    model = load_model(Settings().model_dir)
    for label in LABELS:
        assert out[f"p_{label}"].between(0, 1).all()
        assert (out[label] == (out[f"p_{label}"] >= model.thresholds[label] - 1e-4)).all()


def test_classify_without_a_text_column_is_a_clear_error(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("id,sentence\n1,Tillit.\n", encoding="utf-8")
    result = run_cli("classify", str(source), "-o", str(tmp_path / "out.csv"))
    assert result.returncode == 2 and "[E214]" in result.stderr and "'text'" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "out.csv").exists()


def test_evaluate_prints_per_label_scores_on_real_annotations():
    result = run_cli("evaluate", str(ANNOTATIONS_V2))
    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: line.split()[1:] for line in result.stdout.splitlines()[2:]}
    assert set(lines) == {*LABELS, "macro"}
    assert lines["control"][0] == str(read_annotations([ANNOTATIONS_V2]).labels[:, 1].sum())
    assert all(0 < float(lines[label][-1]) <= 1 for label in (*LABELS, "macro"))


def test_a_model_built_with_another_cue_list_must_be_retrained(tmp_path):
    for name in ("model.npz", "card.json"):
        shutil.copy(Path(Settings().model_dir) / name, tmp_path / name)
    card = json.loads((tmp_path / "card.json").read_text())
    (tmp_path / "card.json").write_text(json.dumps({**card, "cues_version": "0"}))
    with pytest.raises(SedimentError, match=r"E213.*Retrain"):
        load_model(str(tmp_path))


def test_cues_follow_the_guidelines():
    assert cue_tokens(["styrning", "ska", "präglas", "av", "tillit"]) == "trust:tillit trust:any"
    assert cue_tokens(["nämnd", "följa", "upp", "nyckeltal"]) == (
        "control:mäta control:följa_upp control:any"
    )
    assert cue_tokens(["de", "förtroendevald", "sammanträda"]) == "not:förtroendevald"
    assert cue_tokens(["detaljstyrning", "minska"]) == "detail:detaljstyrning detail:any"


def test_cues_find_guideline_phrases_in_lemmatised_sentences_and_not_their_look_alikes():
    annotator = load_annotator(Settings().annotator_dir)
    sentences = {
        "Politikerna lägger sig fortfarande i hur schemat ska läggas.": {"detail:lägga_sig_i"},
        "Vi politiker ska inte lägga oss i verksamhetens vardag.": {"detail:lägga_sig_i"},
        "Varje nivå ska hålla sig på sin nivå.": {"detail:nivå"},
        "Vi ska minska antalet styrdokument.": {"detail:antal_mål", "detail:styrdokument"},
        "Chefen dubbelkollar allt som medarbetarna gör.": {"control:kontroll"},
        "Patienten får lägga sig i sängen.": set(),
        "Priset ska lägga sig i nivå med andra.": set(),
        "Kommunen sätter upp nya cykelställ.": set(),
        "Hon vill höja sin nivå.": set(),
        "Det finns ett antal utredningar.": set(),
    }
    found = cue_tokens_of(annotator.lemmatize_texts(list(sentences)))
    for (text, expected), tokens in zip(sentences.items(), found, strict=True):
        logics = {f"{cue.split(':')[0]}:any" for cue in expected}
        assert set(tokens.split()) == expected | logics, text


def test_trust_cues_carry_their_context_and_other_cues_do_not():
    aim = "regering vilja stärka samverkan mellan myndighet och kommun".split()
    assert set(cue_tokens(aim).split()) == {
        "trust:samverkan", "trust:samverkan+aim", "trust:samverkan+public", "trust:any",
    }  # fmt: skip
    fact = "samverkan med näringsliv har skett under år".split()
    assert set(cue_tokens(fact).split()) == {
        "trust:samverkan", "trust:samverkan+private", "trust:any",
    }  # fmt: skip
    assert cue_tokens("myndighet måste följa upp kostnad".split()) == (
        "control:följa_upp control:any"
    )


@pytest.mark.parametrize(
    ("text", "cue", "label"),
    [
        ("Kommunstyrelsen ska inte ägna sig åt cykelställsfrågor.", "cykelställ", "detail"),
        ("Nämnden vill köra skutan själv och agerar enhetschef.", "skutan", "detail"),
        ("Chefen dubbelkollar allt som medarbetarna gör.", "dubbelkoll", "control"),
        ("Vi måste låta proffsen vara proffs.", "vara proffs", "trust"),
    ],
)
def test_a_guideline_cue_the_annotated_sentences_lack_still_decides_its_label(
    scored, text, cue, label
):
    annotated = read_annotations(DEFAULT_ANNOTATIONS).texts
    assert not any(cue in sentence.lower() for sentence in annotated)
    decisions = scored(text).decisions
    assert [name for name in LABELS if decisions[name]] == [label]


def test_suggest_writes_the_least_certain_stored_sentences_for_annotation(small_corpus, tmp_path):
    out = tmp_path / "out"
    refresh.run(small_corpus, out, Settings())
    target = tmp_path / "to_annotate.csv"
    result = run_cli("suggest", str(out), "--n", "20", "-o", str(target))
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(target, keep_default_na=False)
    assert list(table.columns) == ["sentence_id", "doc_id", "text", *LABELS, "annotator"]
    assert len(table) == 20 and table["text"].is_unique
    assert (table[list(LABELS)] == "").all().all()
    model = load_model(Settings().model_dir)
    annotator = load_annotator(Settings().annotator_dir)
    lemmas = [annotator.annotate_tokens(tokenize(text))[0] for text in table["text"]]
    chosen = model.probabilities(table["text"].tolist(), lemmas)
    thresholds = np.array([model.thresholds[label] for label in LABELS])
    distance = np.abs(np.log(chosen / (1 - chosen)) - np.log(thresholds / (1 - thresholds)))
    stored = read_sentences(out / "sentences", ["text", "lemmas"]).drop_duplicates("text")
    everything = model.probabilities(stored["text"].tolist(), [list(x) for x in stored["lemmas"]])
    all_distance = np.abs(
        np.log(everything / (1 - everything)) - np.log(thresholds / (1 - thresholds))
    )
    assert distance.min(axis=1).max() <= np.median(all_distance.min(axis=1))


def test_suggest_on_an_empty_folder_is_a_clear_error(tmp_path):
    result = run_cli("suggest", str(tmp_path), "-o", str(tmp_path / "x.csv"))
    assert result.returncode == 2 and "[E215]" in result.stderr


def test_no_cue_pattern_can_match_across_the_line_break_that_joins_sentences():
    for _, pattern in [*cues._PATTERNS, *cues._CONTEXT_PATTERNS]:
        assert not re.search(r"\\[sSWD]|\[\^|(?<!\\)\.", pattern.pattern), pattern.pattern


def test_cues_of_many_sentences_at_once_are_each_sentences_own():
    texts = read_annotations([ANNOTATIONS_V2]).texts
    lemmas = load_annotator(Settings().annotator_dir).lemmatize_texts(texts)
    together = cue_tokens_of(lemmas)
    assert together == [cue_tokens(sentence) for sentence in lemmas]
    assert sum(bool(cues) for cues in together) > 300  # the file is rich in cues


def test_suggest_in_small_batches_chooses_as_scoring_everything_at_once(
    small_corpus, tmp_path, monkeypatch
):
    out = tmp_path / "out"
    refresh.run(small_corpus, out, Settings())
    model = load_model(Settings().model_dir)
    stored = read_sentences(out / "sentences", ["text", "lemmas"])
    annotated = stored["text"].iloc[::7].tolist()  # every seventh sentence is annotated already
    unseen = stored[~stored["text"].isin(annotated)].drop_duplicates("text")
    probabilities = model.probabilities(
        unseen["text"].tolist(), [list(x) for x in unseen["lemmas"]]
    )
    thresholds = np.array([model.thresholds[label] for label in LABELS])
    distance = np.abs(
        np.log(probabilities / (1 - probabilities)) - np.log(thresholds / (1 - thresholds))
    )
    expected = unseen["text"].to_numpy()[np.argsort(distance.min(axis=1), kind="stable")[:25]]
    monkeypatch.setattr(suggest, "_ROWS_PER_SCORING", 40)
    monkeypatch.setattr(trends, "_ROWS_PER_READ", 30)
    chosen = suggest.suggest(out, model, 25, annotated)
    assert chosen["text"].tolist() == expected.tolist()
    assert not set(chosen["text"]) & set(annotated)


def test_suggest_needs_at_least_one_sentence(tmp_path):
    result = run_cli("suggest", str(tmp_path), "--n", "0", "-o", str(tmp_path / "x.csv"))
    assert result.returncode == 2 and "[E202]" in result.stderr and "--n" in result.stderr
