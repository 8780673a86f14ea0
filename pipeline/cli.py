"""The ``sediment`` command line. Only commands that run flows import Prefect."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from pipeline.errors import Errors, SedimentError
from pipeline.records import LABELS
from pipeline.settings import MODELS_DIR, PROJECT_ROOT, Settings, allowed_values, describe

UD_DIR = PROJECT_ROOT / "corpora" / "ud"
ANNOTATIONS_DIR = PROJECT_ROOT / "corpora" / "annotations"
UD_TRAIN = [
    UD_DIR / "sv_talbanken" / "sv_talbanken-ud-dev.conllu",
    UD_DIR / "sv_pud" / "sv_pud-ud-test.conllu",
]
UD_TEST = UD_DIR / "sv_talbanken" / "sv_talbanken-ud-test.conllu"
LEMMATIZER_BACKENDS = ("spacy", "stanza")  # pipeline.lemmatize.BACKENDS, without importing spaCy
_SENTENCES_PER_CHUNK = 2000
DEFAULT_ANNOTATIONS = sorted(ANNOTATIONS_DIR.glob("steering_v*_adjudicated.csv"))
STEERING_VERSION = "steering-v11"


def _add_settings(
    parser: argparse.ArgumentParser, command: str, exclude: tuple[str, ...] = ()
) -> None:
    """Add one option per setting that ``command`` offers, but those in ``exclude``."""
    for name, default, description, allowed in describe(command):
        if name in exclude:
            continue
        flag = "--" + name.replace("_", "-")
        if isinstance(default, bool):
            parser.add_argument(
                flag, action=argparse.BooleanOptionalAction, default=default, help=description
            )
        else:
            choices = allowed if isinstance(allowed, tuple) else None
            parser.add_argument(
                flag, type=type(default), default=default, choices=choices, help=description
            )


def _settings(args: argparse.Namespace) -> Settings:
    """Settings from the options a command offers; the rest keep their defaults."""
    return Settings(**{name: getattr(args, name) for name, *_ in describe() if hasattr(args, name)})


def cmd_refresh(args: argparse.Namespace) -> int:
    """Run the refresh flow with Prefect (embedded server unless PREFECT_API_URL is set)."""
    if not args.corpus_dir.is_dir():
        raise SedimentError(Errors.CORPUS_NOT_FOUND, path=args.corpus_dir)
    settings = _settings(args)
    if settings.runner == "process":
        from pipeline import workers

        workers.start(settings)  # they warm up while Prefect is imported and starts
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from flows.refresh import run_refresh

    summary = run_refresh(args.corpus_dir, args.output, settings)
    print(summary.text())
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the refresh flow as a scheduled Prefect deployment (blocks until stopped)."""
    if not args.corpus_dir.is_dir():
        raise SedimentError(Errors.CORPUS_NOT_FOUND, path=args.corpus_dir)
    settings = _settings(args)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from flows.refresh import serve_refresh

    serve_refresh(args.corpus_dir, args.output, settings, args.cron, args.name)
    return 0


def cmd_extract(args: argparse.Namespace) -> int:
    """Print a file's clean text, or its paragraphs as JSON lines."""
    from pipeline.discover import KINDS, meta_from_name, meta_hash
    from pipeline.extract import extract
    from pipeline.records import SourceFile

    path: Path = args.file
    meta = meta_from_name(path)
    source = SourceFile(
        path=path.name,
        abs_path=path.resolve(),
        sha256="",
        kind=KINDS.get(path.suffix.lower(), "pdf"),
        meta=meta,
        meta_hash=meta_hash(meta),
    )
    document = extract(source, args.backend, args.ocr)
    if args.format == "text":
        print(document.text)
        return 0
    for paragraph in document.paragraphs:
        record = {
            "kind": paragraph.kind,
            "pages": list(paragraph.pages),
            "text": document.text[paragraph.start : paragraph.end],
        }
        print(json.dumps(record, ensure_ascii=False))
    return 0


def cmd_lemmatize(args: argparse.Namespace) -> int:
    """Read Swedish from stdin; write token, lemma and UPOS per line."""
    from pipeline.lemmatize import batched, load_backend, read_vertical, write_vertical

    backend = load_backend(args.lemmatizer, _settings(args))
    if args.pretokenized:
        for chunk in batched(read_vertical(sys.stdin), _SENTENCES_PER_CHUNK):
            sys.stdout.writelines(write_vertical(backend.analyse_tokens(chunk)))
    else:
        sys.stdout.writelines(write_vertical(backend.analyse_text(sys.stdin.read())))
    return 0


def cmd_evaluate_lemmas(args: argparse.Namespace) -> int:
    """Print lemma and UPOS accuracy on a CoNLL-U treebank's gold tokens."""
    from pipeline.lemmatize import evaluate_backend, load_backend

    if not args.treebank.is_file():
        raise SedimentError(Errors.FILE_NOT_FOUND, path=args.treebank)
    scores = evaluate_backend(load_backend(args.lemmatizer, _settings(args)), args.treebank)
    print(f"tokens: {scores['tokens']}")
    print(f"lemma accuracy (all tokens): {scores['lemma_accuracy']:.2%}")
    print(f"lemma accuracy (without punctuation): {scores['lemma_accuracy_no_punct']:.2%}")
    print(f"UPOS accuracy: {scores['upos_accuracy']:.2%}")
    return 0


def cmd_build_annotator(args: argparse.Namespace) -> int:
    """Train the tagger and lemma table from the bundled UD treebanks."""
    from pipeline.annotate import build_annotator

    card = build_annotator(args.train, args.eval, args.out, args.version)
    print(json.dumps(card["evaluation"], indent=2))
    return 0


def cmd_build_stanza(args: argparse.Namespace) -> int:
    """Train a small Stanza tagger and lemmatiser from the bundled UD treebanks."""
    from pipeline.stanza_model import build_stanza_model

    card = build_stanza_model(
        args.train, args.eval, args.out, args.version, args.tagger_steps, args.lemmatizer_epochs
    )
    print(json.dumps(card["evaluation"], indent=2))
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    """Train a steering classifier and write it with its model card."""
    from pipeline.annotate import load_annotator
    from pipeline.train import model_folder, train

    held_out = _held_out(args.held_out_docs)
    for path in args.annotations:
        _require(path)
    out = args.out or model_folder(MODELS_DIR / "steering", args.version)
    card = train(args.annotations, load_annotator(args.annotator_dir), out, args.version, held_out)
    print((out / "card.md").read_text(encoding="utf-8"))
    print(f"Saved {card['version']} to {out}")
    return 0


def _held_out(value: str) -> list[str]:
    """The documents listed in the file ``value``; none for ``""``."""
    if not value:
        return []
    _require(Path(value))
    return Path(value).read_text(encoding="utf-8").split()


def cmd_retrain(args: argparse.Namespace) -> int:
    """Run the retrain flow: train a candidate, compare, promote if not worse, reclassify."""
    for path in args.annotations:
        _require(path)
    if bool(args.corpus) != bool(args.output):
        raise SedimentError(
            Errors.BAD_SETTING,
            name="--corpus/--output",
            value=(args.corpus, args.output),
            allowed="both or neither",
        )
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from flows.retrain import retrain_flow

    comparison = retrain_flow(
        [str(path) for path in args.annotations],
        args.version,
        str(args.models_root),
        _held_out(args.held_out_docs),
        str(args.corpus) if args.corpus else None,
        str(args.output) if args.output else None,
        _settings(args).as_dict(),
    )
    print(comparison.markdown())
    return 0 if comparison.promote else 1


def _require(path: Path) -> None:
    if not path.is_file():
        raise SedimentError(Errors.FILE_NOT_FOUND, path=path)


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Print per-label precision, recall and F1 of a steering model on annotated sentences."""
    from pipeline.annotate import load_annotator
    from pipeline.classify import load_model
    from pipeline.train import evaluate

    for path in args.annotations:
        _require(path)
    model = load_model(args.model)
    report = evaluate(args.annotations, model, load_annotator(args.annotator_dir))
    print(f"model {model.version}")
    print(f"{'label':8} {'positives':>9} {'precision':>9} {'recall':>9} {'F1':>9}")
    for label in (*LABELS, "macro"):
        row = report[label]
        positives = row.get("positives", "")
        print(
            f"{label:8} {positives:>9} {row['precision']:>9.4f} {row['recall']:>9.4f} "
            f"{row['f1']:>9.4f}"
        )
    return 0


def cmd_classify(args: argparse.Namespace) -> int:
    """Add 0/1 decisions and probabilities per label to a CSV with a ``text`` column."""
    from pipeline.annotate import load_annotator
    from pipeline.classify import classify_csv, load_model

    _require(args.input)
    lemmatize = load_annotator(args.annotator_dir).lemmatize_texts
    table = classify_csv(args.input, load_model(args.model), lemmatize)
    table.to_csv(args.output, index=False)
    print(f"Classified {len(table)} sentences into {args.output}")
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    """Show the features that pushed each label for one sentence."""
    from pipeline.annotate import load_annotator
    from pipeline.classify import load_model

    model = load_model(args.model)
    (lemmas,) = load_annotator(args.annotator_dir).lemmatize_texts([args.sentence])
    (scores,) = model.predict([args.sentence], [lemmas])
    for label, features in model.explain(args.sentence, lemmas, args.top).items():
        decision = "yes" if scores.decisions[label] else "no"
        print(
            f"{label}: p = {scores.probabilities[label]:.3f} "
            f"(threshold {model.thresholds[label]}) -> {decision}"
        )
        for name, weight in features:
            print(f"  {weight:+.3f}  {name}")
    return 0


def cmd_suggest(args: argparse.Namespace) -> int:
    """Write the stored sentences the model is least sure of, ready to annotate."""
    import csv

    from pipeline.classify import load_model
    from pipeline.suggest import suggest

    annotated = [
        row["text"]
        for path in sorted(ANNOTATIONS_DIR.glob("*.csv"))
        for row in csv.DictReader(path.read_text(encoding="utf-8").splitlines())
    ]
    if args.n < 1:
        raise SedimentError(Errors.BAD_SETTING, name="--n", value=args.n, allowed="an int ≥ 1")
    table = suggest(args.output_dir, load_model(args.model), args.n, annotated)
    table.to_csv(args.out, index=False)
    print(f"Wrote {len(table)} sentences to annotate to {args.out}")
    return 0


def cmd_trends(args: argparse.Namespace) -> int:
    """Print the trends, sediment, layering and term tables, recomputed from stored sentences."""
    from pipeline.show import print_tables
    from pipeline.terms import load_families
    from pipeline.trends import stored_derived

    settings = _settings(args)
    families = load_families(settings.terms)
    print_tables(
        stored_derived(args.output_dir, families, settings.share_from, settings.min_sentences)
    )
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Write a self-contained HTML report of the trends."""
    from pipeline.report import render
    from pipeline.terms import load_families
    from pipeline.trends import stored_derived

    settings = _settings(args)
    tables = stored_derived(
        args.output_dir, load_families(settings.terms), settings.share_from, settings.min_sentences
    )
    args.out.write_text(render(args.output_dir, tables, settings.min_sentences), encoding="utf-8")
    print(f"Wrote {args.out}")
    return 0


def cmd_settings(_: argparse.Namespace) -> int:
    """List every setting with its default and allowed values."""
    for name, default, description, allowed in describe():
        allowed_text = ", ".join(map(str, allowed)) if isinstance(allowed, tuple) else allowed
        print(f"{name} = {default!r}\n    {description} Allowed: {allowed_text}.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="sediment",
        description="Swedish steering documents to Parquet: trust, control and detail steering.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    refresh = commands.add_parser("refresh", help="Process new and changed files of a corpus.")
    refresh.add_argument("corpus_dir", type=Path, help="Folder of PDFs, .txt and .md files.")
    refresh.add_argument("--output", "-o", type=Path, required=True, help="Output folder.")
    _add_settings(refresh, "refresh")
    refresh.set_defaults(run=cmd_refresh)

    serve = commands.add_parser(
        "serve", help="Serve the refresh as a Prefect deployment on a cron schedule."
    )
    serve.add_argument("corpus_dir", type=Path, help="Folder of PDFs, .txt and .md files.")
    serve.add_argument("--output", "-o", type=Path, required=True, help="Output folder.")
    serve.add_argument("--cron", required=True, help="Schedule, such as '0 3 * * *'.")
    serve.add_argument("--name", default="scheduled", help="Deployment name.")
    _add_settings(serve, "refresh")
    serve.set_defaults(run=cmd_serve)

    extract = commands.add_parser(
        "extract", help="Print the clean text of one file, or its paragraphs as JSON lines."
    )
    extract.add_argument("file", type=Path)
    extract.add_argument("--backend", default=Settings.backend, choices=allowed_values("backend"))
    extract.add_argument("--format", default="text", choices=("text", "jsonl"))
    extract.add_argument(
        "--ocr", action=argparse.BooleanOptionalAction, default=Settings.ocr, help="OCR scans."
    )
    extract.set_defaults(run=cmd_extract)

    lemmatize = commands.add_parser(
        "lemmatize", help="Tokens, lemmas and UPOS of Swedish text on stdin, one token per line."
    )
    lemmatize.add_argument(
        "--backend", dest="lemmatizer", default="spacy", choices=LEMMATIZER_BACKENDS
    )
    lemmatize.add_argument(
        "--pretokenized",
        action="store_true",
        help="Input is one token per line with blank lines between sentences.",
    )
    _add_settings(lemmatize, "lemmatize")
    lemmatize.set_defaults(run=cmd_lemmatize)

    evaluate = commands.add_parser(
        "evaluate-lemmas", help="Lemma and UPOS accuracy on a CoNLL-U file's gold tokens."
    )
    evaluate.add_argument("treebank", type=Path)
    evaluate.add_argument(
        "--backend", dest="lemmatizer", default="spacy", choices=LEMMATIZER_BACKENDS
    )
    _add_settings(evaluate, "lemmatize")
    evaluate.set_defaults(run=cmd_evaluate_lemmas)

    annotator = commands.add_parser(
        "build-annotator", help="Build the tagger and lemma tables from UD treebanks."
    )
    annotator.add_argument("--train", type=Path, nargs="+", default=UD_TRAIN)
    annotator.add_argument("--eval", type=Path, nargs="*", default=[UD_TEST])
    annotator.add_argument("--out", type=Path, default=MODELS_DIR / "annotator" / "v5")
    annotator.add_argument("--version", default="sv-ud-perceptron-5")
    annotator.set_defaults(run=cmd_build_annotator)

    stanza_model = commands.add_parser(
        "build-stanza", help="Train a small Stanza tagger and lemmatiser from UD treebanks."
    )
    stanza_model.add_argument("--train", type=Path, nargs="+", default=UD_TRAIN)
    stanza_model.add_argument("--eval", type=Path, nargs="*", default=[UD_TEST])
    stanza_model.add_argument("--out", type=Path, default=Path(Settings.stanza_dir))
    stanza_model.add_argument("--version", default="sv-ud-stanza-small-1")
    stanza_model.add_argument("--tagger-steps", type=int, default=1000)
    stanza_model.add_argument("--lemmatizer-epochs", type=int, default=8)
    stanza_model.set_defaults(run=cmd_build_stanza)

    train = commands.add_parser("train", help="Train the steering classifier.")
    train.add_argument(
        "--out", type=Path, default=None, help="Model folder (default: models/steering/vN)."
    )
    train.set_defaults(run=cmd_train)
    retrain = commands.add_parser(
        "retrain",
        help="Train a candidate, compare it with the current model on the same grouped folds, "
        "promote it if not worse, and optionally reclassify a refreshed corpus (Prefect flow).",
    )
    retrain.add_argument("--models-root", type=Path, default=MODELS_DIR / "steering")
    retrain.add_argument("--corpus", type=Path, help="Corpus to refresh after a promotion.")
    retrain.add_argument("--output", type=Path, help="Output folder to reclassify.")
    _add_settings(retrain, "refresh", exclude=("model_dir",))  # it refreshes with `current`
    retrain.set_defaults(run=cmd_retrain)
    for command in (train, retrain):
        command.add_argument(
            "annotations",
            type=Path,
            nargs="*",
            default=DEFAULT_ANNOTATIONS,
            help="Annotation CSVs (default: corpora/annotations/steering_v*_adjudicated.csv).",
        )
        command.add_argument("--version", default=STEERING_VERSION, help="Model version.")
        command.add_argument(
            "--held-out-docs",
            default=str(ANNOTATIONS_DIR / "v2" / "heldout_docs.txt"),
            help="File of documents (one doc_id per line) to also score a model trained "
            "without them; '' for none.",
        )
    train.add_argument("--annotator-dir", default=Settings.annotator_dir)

    evaluate = commands.add_parser(
        "evaluate", help="Per-label precision, recall and F1 of a model on annotated sentences."
    )
    evaluate.add_argument("annotations", type=Path, nargs="+", help="Annotation CSVs.")
    classify = commands.add_parser("classify", help="Classify the sentences of a CSV.")
    classify.add_argument("input", type=Path, help="CSV with a 'text' column.")
    classify.add_argument("-o", "--output", type=Path, required=True, help="CSV to write.")
    explain = commands.add_parser("explain", help="Why a sentence gets its labels.")
    explain.add_argument("sentence", help="A Swedish sentence.")
    explain.add_argument("--top", type=int, default=6, help="Features shown per label.")
    suggest = commands.add_parser(
        "suggest", help="Sentences of a refreshed corpus the model is least sure of."
    )
    suggest.add_argument("output_dir", type=Path, help="Output folder of sediment refresh.")
    suggest.add_argument("--n", type=int, default=50, help="How many sentences.")
    suggest.add_argument("-o", "--out", type=Path, required=True, help="CSV to write.")
    for command, run in (
        (evaluate, cmd_evaluate),
        (classify, cmd_classify),
        (explain, cmd_explain),
        (suggest, cmd_suggest),
    ):
        command.add_argument("--model", default=Settings.model_dir, help="Steering model folder.")
        command.add_argument("--annotator-dir", default=Settings.annotator_dir)
        command.set_defaults(run=run)

    trends = commands.add_parser(
        "trends", help="Print shares per year, sediment metrics, layering and term families."
    )
    trends.add_argument("output_dir", type=Path, help="Output folder of sediment refresh.")
    _add_settings(trends, "trends")
    trends.set_defaults(run=cmd_trends)
    report = commands.add_parser("report", help="Write a self-contained HTML report.")
    report.add_argument("output_dir", type=Path, help="Output folder of sediment refresh.")
    report.add_argument("-o", "--out", type=Path, required=True, help="HTML file to write.")
    _add_settings(report, "report")
    report.set_defaults(run=cmd_report)

    settings = commands.add_parser("settings", help="List the settings and their defaults.")
    settings.set_defaults(run=cmd_settings)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sediment`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except SedimentError as error:
        print(f"sediment: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
