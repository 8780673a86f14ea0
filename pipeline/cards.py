"""Model cards: the ``card.json`` beside every model, read without loading the model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipeline.errors import Errors, SedimentError

CARD_FILE = "card.json"


def read_card(directory: str | Path, what: str) -> dict[str, Any]:
    """Read a model's card.

    Args:
        directory: The model's folder.
        what: What the model is ("steering", "annotator"), for the error message.

    Raises:
        SedimentError: The folder has no card.
    """
    path = Path(directory) / CARD_FILE
    if not path.is_file():
        raise SedimentError(Errors.MODEL_NOT_FOUND, what=what, path=path, command="make models")
    return json.loads(path.read_text(encoding="utf-8"))


def lemma_scores_table(evaluation: dict[str, dict[str, float]]) -> str:
    """A Markdown table of lemma and UPOS accuracy per evaluated treebank."""
    rows = "\n".join(
        f"| {name} | {scores['tokens']} | {scores['lemma_accuracy']:.2%} | "
        f"{scores['lemma_accuracy_no_punct']:.2%} | {scores['upos_accuracy']:.2%} |"
        for name, scores in evaluation.items()
    )
    return (
        "| evaluated on | tokens | lemma | lemma (no punct) | UPOS |\n"
        f"| --- | --- | --- | --- | --- |\n{rows}\n"
    )
