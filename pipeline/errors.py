"""Every user-facing error message, in one place.

Bad input raises :class:`InputError`; a refresh turns it into one row of the
``failures`` dataset and goes on. Anything else the user must act on raises
:class:`SedimentError`, which the command line prints without a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Message:
    """A numbered message template.

    Attributes:
        code: Stable code such as ``E101``, for searching and for tests.
        kind: Short machine-readable name, stored as ``error_type`` in failures.
        template: ``str.format`` template for the text.
    """

    code: str
    kind: str
    template: str


class Errors:
    """The catalogue of messages. Codes never change meaning once released."""

    # Bad input documents (E1xx): become failure rows.
    EMPTY_FILE = Message("E101", "EmptyFile", "{path}: the file is empty (0 bytes).")
    NOT_A_PDF = Message(
        "E102", "NotAPdf", "{path}: not a PDF (the file starts with {head!r}, not '%PDF-')."
    )
    CORRUPT_PDF = Message(
        "E103",
        "CorruptPdf",
        "{path}: the PDF is corrupt or truncated and cannot be read ({detail}).",
    )
    ENCRYPTED_PDF = Message(
        "E104", "EncryptedPdf", "{path}: the PDF is encrypted with a password; decrypt it first."
    )
    NO_PAGES = Message("E105", "NoPages", "{path}: the PDF has no pages.")
    NO_TEXT_LAYER = Message(
        "E106",
        "NoTextLayer",
        "{path}: none of its {n_pages} pages has a text layer (a scanned PDF?) and OCR is "
        "{ocr_state}.",
    )
    NOT_UTF8 = Message(
        "E107", "NotUtf8", "{path}: not UTF-8 text (invalid byte {byte!r} at offset {offset})."
    )
    NO_TEXT = Message("E108", "NoText", "{path}: the file contains no text.")
    PAGE_UNREADABLE = Message(
        "E110",
        "PageUnreadable",
        "{path}: page {page} could not be read ({detail}); the other pages were.",
    )
    FILE_VANISHED = Message(
        "E109", "FileVanished", "{path}: the file disappeared while the refresh was running."
    )
    WORKER_DIED = Message(
        "E111",
        "WorkerDied",
        "{path}: the worker process reading this file ended abruptly (out of memory, killed, or "
        "a crash in a C library); the other files were processed.",
    )

    # Configuration and usage (E2xx): stop the command with a clear message.
    CORPUS_NOT_FOUND = Message("E201", "CorpusNotFound", "Corpus folder not found: {path}")
    BAD_SETTING = Message(
        "E202", "BadSetting", "Setting {name!r} = {value!r} is not allowed: {allowed}."
    )
    BAD_MANIFEST = Message("E203", "BadManifest", "{path}: {problem}")
    MODEL_NOT_FOUND = Message(
        "E204",
        "ModelNotFound",
        "No {what} model at {path}. Build it with `{command}` (see README).",
    )
    UNSAFE_MODEL = Message(
        "E205",
        "UnsafeModel",
        "{path} is not a model file that sediment can load safely ({problem}); refusing it.",
    )
    LEXICON_MISSING = Message(
        "E209",
        "LexiconMissing",
        "The Swedish Hunspell dictionary is not installed at {path}: pip install hunspell-sv.",
    )
    FILE_NOT_FOUND = Message("E210", "FileNotFound", "File not found: {path}")
    STANZA_MISSING = Message(
        "E211",
        "StanzaMissing",
        "The Stanza backend needs Stanza and PyTorch: pip install -e '.[stanza]'.",
    )
    STANZA_MODEL_BROKEN = Message(
        "E212", "StanzaModelBroken", "Stanza could not load the model in {path}: {problem}"
    )
    BAD_ANNOTATIONS = Message("E206", "BadAnnotations", "{path}: {problem}")
    MODEL_OUTDATED = Message(
        "E213",
        "ModelOutdated",
        "The steering model in {path} was trained with cue list version {found}; this sediment "
        "has version {needed}. Retrain it: sediment train --out {path}",
    )
    BAD_INPUT_CSV = Message("E214", "BadInputCsv", "{path}: {problem}")
    NOTHING_STORED = Message(
        "E215", "NothingStored", "{path} holds no refreshed corpus; run sediment refresh first."
    )
    STORE_DAMAGED = Message(
        "E216",
        "StoreDamaged",
        "{path} is missing from the output folder; refresh into a new --output to rebuild it.",
    )
    NO_COMPARISON = Message(
        "E217",
        "NoComparison",
        "Cannot compare with the current model: {problem}",
    )
    MODEL_EXISTS = Message(
        "E218", "ModelExists", "{path} already holds a model; choose a new --version."
    )
    TOO_FEW_EXAMPLES = Message(
        "E219",
        "TooFewExamples",
        "Cannot train the steering classifier: {problem}. Add annotated sentences.",
    )
    BAD_TERMS = Message("E220", "BadTerms", "Term families in {path}: {problem}")
    OUTPUT_LOCKED = Message(
        "E221",
        "OutputLocked",
        "{path} is being refreshed by {holder}; waited {waited} s. Try again later or raise "
        "--lock-timeout.",
    )
    LINK_OUTSIDE_CORPUS = Message(
        "E222",
        "LinkOutsideCorpus",
        "{path} has symbolic links that point outside it: {links}. Copy those files into the "
        "corpus instead; sediment reads only files inside the corpus folder.",
    )
    RAY_MISSING = Message(
        "E223", "RayMissing", "The Ray task runner needs Ray: pip install -e '.[ray]'."
    )
    BAD_CRON = Message(
        "E224", "BadCron", "{cron!r} is not a cron schedule (five fields, like '0 3 * * *')."
    )
    OUTPUT_NOT_A_STORE = Message(
        "E207",
        "OutputNotAStore",
        "{path} exists and is not a sediment output folder (it is not empty and has no "
        ".sediment/ folder); choose another --output.",
    )


class SedimentError(Exception):
    """An error the user can act on; printed without a traceback."""

    def __init__(self, message: Message, **fields: object) -> None:
        self.code = message.code
        self.kind = message.kind
        self.text = message.template.format(**fields)
        super().__init__(f"[{message.code}] {self.text}")

    def __reduce__(self) -> tuple[object, ...]:
        """Pickled as its class, code, kind and text: it crosses to and from worker processes."""
        return (_restore, (type(self), self.code, self.kind, self.text))


def _restore(cls: type[SedimentError], code: str, kind: str, text: str) -> SedimentError:
    return cls(Message(code, kind, "{text}"), text=text)


class InputError(SedimentError):
    """One input document cannot be processed; the rest of the corpus can."""
