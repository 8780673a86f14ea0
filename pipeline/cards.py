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
