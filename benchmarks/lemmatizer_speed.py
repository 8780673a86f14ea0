"""Print tokens per second of the default lemmatiser backend (spaCy) on one core.

Usage: python benchmarks/lemmatizer_speed.py [--tokens N]

Runs `sediment lemmatize`'s code path on Riksdagen motions and bills from
../shared/corpora/riksdagen (raw text: spaCy tokenizer, sentence splitter,
two-pass tagger, lemmatiser) in a fresh process, so that the first-seen-word
work (lexicon look-ups, cached rows) is included, then again warm.
"""

from __future__ import annotations

import argparse
import time

from pipeline.lemmatize import SpacyBackend
from pipeline.settings import PROJECT_ROOT

CORPUS = PROJECT_ROOT.parent / "shared" / "corpora" / "riksdagen"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=300_000, help="about this many tokens")
    args = parser.parse_args()
    texts, size = [], 0
    for path in sorted(CORPUS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        texts.append(text)
        size += len(text.split())
        if size >= args.tokens:
            break
    backend = SpacyBackend()
    for run in ("first run (cold caches)", "second run (warm caches)"):
        start = time.perf_counter()
        tokens = sum(len(s) for text in texts for s in backend.analyse_text(text))
        seconds = time.perf_counter() - start
        print(f"{run}: {tokens} tokens in {seconds:.1f} s = {tokens / seconds:,.0f} tokens/s")


if __name__ == "__main__":
    main()
