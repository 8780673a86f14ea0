"""Build a small Stanza tagger and lemmatiser from the UD treebanks that ship with the project.

No pretrained Swedish Stanza model can be downloaded here, so sediment trains
its own with Stanza's training scripts (``stanza.models.tagger`` without
pretrained word vectors, ``stanza.models.lemmatizer``), on the CPU, and writes
a folder that :class:`pipeline.lemmatize.StanzaBackend` loads.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipeline.cards import CARD_FILE, lemma_scores_table
from pipeline.errors import Errors, SedimentError
from pipeline.lemmatize import STANZA_MANIFEST, StanzaBackend, evaluate_backend

TAGGER_FILE = "pos.pt"
LEMMATIZER_FILE = "lemma.pt"
_DEV_EVERY = 5  # every 5th training sentence is held out for model selection
# Small, fast settings chosen on the held-out sentences (never on the test treebanks).
_TAGGER_SIZE = [
    "--hidden_dim", "100", "--char_hidden_dim", "100", "--deep_biaff_hidden_dim", "100",
    "--composite_deep_biaff_hidden_dim", "50", "--char_emb_dim", "50", "--batch_size", "50",
    "--word_cutoff", "2", "--dropout", "0.33", "--lr", "0.005",
]  # fmt: skip
_LEMMATIZER_SIZE = ["--hidden_dim", "100", "--lr", "0.002"]


def build_stanza_model(
    train: Sequence[Path],
    evaluation: Sequence[Path],
    out_dir: Path,
    version: str,
    tagger_steps: int,
    lemmatizer_epochs: int,
) -> dict[str, Any]:
    """Train a Stanza UPOS tagger and lemmatiser and write them with a model card.

    Args:
        train: CoNLL-U files to learn from; every 5th sentence is held out to
            choose the best checkpoint.
        evaluation: CoNLL-U files to report accuracy on (never trained on).
        out_dir: Folder for the models, ``stanza.json`` and the card.
        version: Name of the model.
        tagger_steps: Training steps of the tagger.
        lemmatizer_epochs: Training epochs of the lemmatiser.

    Returns:
        The model card.

    Raises:
        SedimentError: Stanza is not installed.
    """
    if importlib.util.find_spec("stanza") is None:
        raise SedimentError(Errors.STANZA_MISSING)
    work = out_dir / "training-data"
    work.mkdir(parents=True, exist_ok=True)
    train_file, dev_file = work / "train.conllu", work / "dev.conllu"
    sentences = [block for path in train for block in _sentences(path)]
    train_file.write_text("".join(s for i, s in enumerate(sentences) if i % _DEV_EVERY != 4))
    dev_file.write_text("".join(s for i, s in enumerate(sentences) if i % _DEV_EVERY == 4))
    common = ["--shorthand", "sv_sediment", "--save_dir", str(out_dir), "--cpu"]
    _run_stanza(
        "stanza.models.tagger",
        [
            "--train_file", str(train_file), "--eval_file", str(dev_file), "--no_pretrain",
            "--save_name", TAGGER_FILE, "--max_steps", str(tagger_steps), "--seed", "1234",
            "--eval_interval", "100", "--fix_eval_interval", "--lang", "sv", *_TAGGER_SIZE, *common,
        ],
    )  # fmt: skip
    _run_stanza(
        "stanza.models.lemmatizer",
        [
            "--train_file", str(train_file), "--eval_file", str(dev_file),
            "--output_file", str(work / "lemma-dev.conllu"),
            "--save_name", LEMMATIZER_FILE, "--num_epoch", str(lemmatizer_epochs),
            "--seed", "1234", *_LEMMATIZER_SIZE, *common,
        ],
    )  # fmt: skip
    shutil.rmtree(work)
    (out_dir / "resources.json").write_text("{}\n")
    manifest = {
        "version": version,
        "pipeline": {
            "pos_model_path": TAGGER_FILE,
            "lemma_model_path": LEMMATIZER_FILE,
            "resources_filepath": "resources.json",
        },
    }
    (out_dir / STANZA_MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    training_tokens = sum(
        1 for sentence in sentences for line in sentence.splitlines() if line[:1].isdigit()
    )
    return write_card(out_dir, train, training_tokens, evaluation, tagger_steps, lemmatizer_epochs)


def write_card(
    out_dir: Path,
    train: Sequence[Path],
    training_tokens: int,
    evaluation: Sequence[Path],
    tagger_steps: int,
    lemmatizer_epochs: int,
) -> dict[str, Any]:
    """Evaluate the model in ``out_dir`` and write its card (JSON and Markdown)."""
    import stanza

    backend = StanzaBackend(str(out_dir))
    manifest = json.loads((out_dir / STANZA_MANIFEST).read_text(encoding="utf-8"))
    card = {
        "version": manifest["version"],
        "built": dt.date.today().isoformat(),
        "stanza": stanza.__version__,
        "trained_on": [path.name for path in train],
        "training_tokens": training_tokens,
        "tagger_steps": tagger_steps,
        "lemmatizer_epochs": lemmatizer_epochs,
        "evaluation": {path.name: evaluate_backend(backend, path) for path in evaluation},
        "method": "Stanza's BiLSTM UPOS tagger (no pretrained word vectors, small "
        "dimensions, words seen once left out) and its seq2seq lemmatiser with dictionary "
        "(hidden size 100), trained on the CPU",
    }
    (out_dir / CARD_FILE).write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n")
    (out_dir / "card.md").write_text(_render_card(card), encoding="utf-8")
    return card


def _sentences(path: Path) -> list[str]:
    """A CoNLL-U file's sentences without XPOS, features, empty nodes and enhanced dependencies."""
    blocks = path.read_text(encoding="utf-8").strip().split("\n\n")
    sentences = []
    for block in blocks:
        lines = []
        for line in block.splitlines():
            if line.startswith("#"):
                lines.append(line)
                continue
            columns = line.split("\t")
            if "." not in columns[0]:  # the tagger learns UPOS only: smaller and faster
                columns[4] = columns[5] = columns[8] = "_"
                lines.append("\t".join(columns))
        sentences.append("\n".join(lines) + "\n\n")
    return sentences


def _run_stanza(module: str, arguments: list[str]) -> None:
    environment = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
    subprocess.run([sys.executable, "-m", module, "--mode", "train", *arguments], check=True,
                   env=environment)  # fmt: skip


def _render_card(card: dict[str, Any]) -> str:
    return (
        f"# Stanza Swedish model {card['version']}\n\n"
        f"Built {card['built']} with Stanza {card['stanza']} from "
        f"{', '.join(card['trained_on'])} ({card['training_tokens']} tokens, UD, CC BY-SA 4.0; "
        f"every 5th sentence held out to choose checkpoints).\n\n{card['method']}: "
        f"{card['tagger_steps']} tagger steps, {card['lemmatizer_epochs']} lemmatiser epochs.\n\n"
        f"{lemma_scores_table(card['evaluation'])}\n"
        "Rebuild with `make stanza-model`. A small model for testing the backend; for "
        "real work point `--stanza-dir` at Stanza's official Swedish models (README).\n"
    )
