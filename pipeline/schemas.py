"""Explicit pyarrow schemas of every dataset sediment writes."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.dataset as ds

TIMESTAMP = pa.timestamp("us", tz="UTC")

DOCUMENTS = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("path", pa.string(), nullable=False),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("title", pa.string()),
        pa.field("organisation", pa.string()),
        pa.field("doc_type", pa.string()),
        pa.field("date", pa.date32()),
        pa.field("year", pa.int16()),
        pa.field("n_pages", pa.int32()),
        pa.field("n_sentences", pa.int32()),
        pa.field("ocr_pages", pa.list_(pa.int32())),
        pa.field("garbled_pages", pa.list_(pa.int32())),
        pa.field("failed_pages", pa.list_(pa.int32())),
        pa.field("furniture", pa.list_(pa.string())),
        pa.field("status", pa.string(), nullable=False),
        pa.field("ingested_at", TIMESTAMP, nullable=False),
        pa.field("meta_hash", pa.string(), nullable=False),
        pa.field("pipeline_version", pa.string(), nullable=False),
        pa.field("annotator_version", pa.string(), nullable=False),
        pa.field("model_version", pa.string(), nullable=False),
    ],
    metadata={
        "description": "One row per input file; status is ok, failed, removed or duplicate. "
        "ocr_pages: read by OCR; garbled_pages: broken text layer, garbled lines left out; "
        "failed_pages: unreadable pages; furniture: running headers and footers removed."
    },
)

# Stored per document under sentences/year=YYYY/; `year` comes from the folder name.
SENTENCE_FILE = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("sentence_idx", pa.int32(), nullable=False),
        pa.field("page", pa.int32()),
        pa.field("char_start", pa.int32(), nullable=False),
        pa.field("char_end", pa.int32(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
        pa.field("lemmas", pa.list_(pa.string()), nullable=False),
        pa.field("upos", pa.list_(pa.string()), nullable=False),
        pa.field("trust", pa.bool_(), nullable=False),
        pa.field("control", pa.bool_(), nullable=False),
        pa.field("detail", pa.bool_(), nullable=False),
        pa.field("p_trust", pa.float32(), nullable=False),
        pa.field("p_control", pa.float32(), nullable=False),
        pa.field("p_detail", pa.float32(), nullable=False),
        pa.field("model_version", pa.string(), nullable=False),
    ]
)

SENTENCE_PARTITIONING = ds.partitioning(pa.schema([pa.field("year", pa.int16())]), flavor="hive")
SENTENCES = SENTENCE_FILE.append(pa.field("year", pa.int16()))

FAILURES = pa.schema(
    [
        pa.field("path", pa.string(), nullable=False),
        pa.field("sha256", pa.string(), nullable=False),
        pa.field("stage", pa.string(), nullable=False),
        pa.field("error_type", pa.string(), nullable=False),
        pa.field("message", pa.string(), nullable=False),
        pa.field("at", TIMESTAMP, nullable=False),
    ]
)

TRENDS = pa.schema(
    [
        pa.field("year", pa.int16(), nullable=False),
        pa.field("label", pa.string(), nullable=False),
        pa.field("n_documents", pa.int32(), nullable=False),
        pa.field("n_sentences", pa.int64(), nullable=False),
        pa.field("n_positive", pa.int64(), nullable=False),
        pa.field("share", pa.float64(), nullable=False),
    ]
)
