"""Print tokens per second of a lemmatiser backend on one core, from raw text and from tokens.

Usage: python benchmarks/lemmatizer_speed.py [--backend spacy|stanza] [--input text|tokens]
       [--max-words N] [--repeat N]

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
Without ``--input`` both are run, each ``--repeat`` times (default 3) in
fresh processes, and the median and best of each case are printed too:
CPU time of the same work varies by ±15 % between runs on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

from pipeline.annotate import tokenize
from pipeline.lemmatize import BACKENDS, Backend, load_backend
from pipeline.segment import split_spans
from pipeline.settings import PROJECT_ROOT, Settings

SHARED = PROJECT_ROOT.parent / "shared" / "corpora"


def corpus(max_words: int | None = None) -> tuple[list[str], list[str]]:
    """The shuffled texts, split into a warm-up part and a held-back part.

    Args:
        max_words: Cut each part after about this many words (for slow backends).
    """
    paths = sorted((SHARED / "riksdagen").glob("*.txt")) + sorted((SHARED / "regeringen").glob("*"))
    texts = [path.read_text(encoding="utf-8") for path in paths]
    random.Random(1).shuffle(texts)
    cut = len(texts) * 3 // 4
    return _first_words(texts[:cut], max_words), _first_words(texts[cut:], max_words)


def _first_words(texts: list[str], max_words: int | None) -> list[str]:
    if max_words is None:
        return texts
    kept, words = [], 0
    for text in texts:
        kept.append(" ".join(text.split(" ")[: max_words - words]))
        words += len(kept[-1].split(" "))
        if words >= max_words:
            break
    return kept


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


def run(backend_name: str, pretokenized: bool, max_words: int | None) -> dict[str, float]:
    """Print and return tokens per second of each case, in one process."""
    warm_up, held_back = corpus(max_words)
    start = time.process_time()
    backend = load_backend(backend_name, Settings())
    backend.analyse_text("Nämnderna beslöt.")  # loads lazily loaded dictionaries
    print(f"{backend_name}, input {'tokens' if pretokenized else 'text'}:")
    print(f"  load: {time.process_time() - start:.1f} s")
    speeds = {}
    for label, texts in zip(CASES, (warm_up, held_back, held_back), strict=True):
        tokens, seconds = timed(backend, texts, pretokenized)
        speeds[label] = tokens / seconds
        print(f"  {label}: {tokens:,} tokens in {seconds:.1f} s = {speeds[label]:,.0f} tokens/s")
    return speeds


CASES = ("cold (all word types new)", "steady state (new documents)", "seen (same documents again)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=sorted(BACKENDS), default="spacy")
    parser.add_argument("--input", choices=["text", "tokens"])
    parser.add_argument("--max-words", type=int, help="cut each part after about this many words")
    parser.add_argument("--repeat", type=int, default=3, help="fresh processes per input")
    args = parser.parse_args()
    if args.input:
        speeds = run(args.backend, args.input == "tokens", args.max_words)
        print(json.dumps(speeds), file=sys.stderr)
        return
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    for kind in ("text", "tokens"):
        command = [sys.executable, __file__, "--backend", args.backend, "--input", kind]
        command += ["--max-words", str(args.max_words)] if args.max_words else []
        runs = []
        for _ in range(args.repeat):
            done = subprocess.run(
                command, check=True, env=env, cwd=Path(__file__).parents[1], stderr=subprocess.PIPE
            )
            runs.append(json.loads(done.stderr.decode().splitlines()[-1]))
        print(f"{args.backend}, input {kind}, {args.repeat} runs:")
        for case in CASES:
            speeds = [speed[case] for speed in runs]
            print(
                f"  {case}: median {statistics.median(speeds):,.0f} tokens/s, "
                f"best {max(speeds):,.0f}, worst {min(speeds):,.0f}"
            )


if __name__ == "__main__":
    main()
