"""Print tokens per second of a lemmatiser backend on one core, from raw text and from tokens.

Usage: python benchmarks/lemmatizer_speed.py [--backend spacy|stanza] [--input text|tokens]

The corpus is every Riksdagen motion and bill and every regeringen.se page in
../shared/corpora (about 2.2 million tokens), shuffled with a fixed seed and
split 3:1. In a fresh process the backend is loaded, then timed (CPU seconds
of this process) on:

- the first part, with empty caches ("cold": every word type is new);
- the held-back part: new documents after 1.6 million tokens ("steady
  state": what a long corpus refresh sees, new word types still arrive);
- the held-back part again ("seen": every word type cached).

``--input text`` runs `sediment lemmatize`'s code path on raw text
(tokenizer, sentence splitter, tagger, lemmatiser); ``--input tokens`` runs
`sediment lemmatize --pretokenized` on the same text tokenized beforehand.
Without ``--input`` both are run, each in its own process.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from pathlib import Path

from pipeline.annotate import tokenize
from pipeline.lemmatize import BACKENDS, Backend
from pipeline.segment import split_spans
from pipeline.settings import PROJECT_ROOT

SHARED = PROJECT_ROOT.parent / "shared" / "corpora"


def corpus() -> tuple[list[str], list[str]]:
    """The shuffled texts, split into a warm-up part and a held-back part."""
    paths = sorted((SHARED / "riksdagen").glob("*.txt")) + sorted((SHARED / "regeringen").glob("*"))
    texts = [path.read_text(encoding="utf-8") for path in paths]
    random.Random(1).shuffle(texts)
    cut = len(texts) * 3 // 4
    return texts[:cut], texts[cut:]


def timed(backend: Backend, texts: list[str], pretokenized: bool) -> tuple[int, float]:
    """Tokens analysed and CPU seconds spent."""
    if pretokenized:
        inputs = [[tokenize(text[start:end]) for start, end in split_spans(text)] for text in texts]
        start = time.process_time()
        tokens = sum(len(s) for sentences in inputs for s in backend.analyse_tokens(sentences))
    else:
        start = time.process_time()
        tokens = sum(len(s) for text in texts for s in backend.analyse_text(text))
    return tokens, time.process_time() - start


def run(backend_name: str, pretokenized: bool) -> None:
    warm_up, held_back = corpus()
    start = time.process_time()
    backend = BACKENDS[backend_name]()
    backend.analyse_text("Nämnderna beslöt.")  # loads lazily loaded dictionaries
    print(f"{backend_name}, input {'tokens' if pretokenized else 'text'}:")
    print(f"  load: {time.process_time() - start:.1f} s")
    for label, texts in (
        ("cold (all word types new)", warm_up),
        ("steady state (new documents)", held_back),
        ("seen (same documents again)", held_back),
    ):
        tokens, seconds = timed(backend, texts, pretokenized)
        print(f"  {label}: {tokens:,} tokens in {seconds:.1f} s = {tokens / seconds:,.0f} tokens/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=sorted(BACKENDS), default="spacy")
    parser.add_argument("--input", choices=["text", "tokens"])
    args = parser.parse_args()
    if args.input:
        run(args.backend, args.input == "tokens")
        return
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    for kind in ("text", "tokens"):
        command = [sys.executable, __file__, "--backend", args.backend, "--input", kind]
        subprocess.run(command, check=True, env=env, cwd=Path(__file__).parents[1])


if __name__ == "__main__":
    main()
