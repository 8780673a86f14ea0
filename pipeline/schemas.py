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
        pa.field("level", pa.string(), nullable=False),
        pa.field("group", pa.string()),
        pa.field("year", pa.int16(), nullable=False),
        pa.field("label", pa.string(), nullable=False),
        pa.field("n_documents", pa.int32(), nullable=False),
        pa.field("n_sentences", pa.int64(), nullable=False),
        pa.field("n_positive", pa.int64(), nullable=False),
        pa.field("share", pa.float64(), nullable=False),
        pa.field("share_low", pa.float64(), nullable=False),
        pa.field("share_high", pa.float64(), nullable=False),
        pa.field("doc_share", pa.float64(), nullable=False),
        pa.field("p_share", pa.float64(), nullable=False),
    ],
    metadata={
        "description": "Per level (all documents; per organisation; per doc_type, where "
        "known), group, year and label. share: positive sentences / sentences, with a 95 % "
        "Wilson interval (share_low, share_high); doc_share: documents with at least one "
        "positive sentence / documents; p_share: mean calibrated probability, less biased "
        "for rare labels. Only dated documents with status ok count."
    },
)

TERMS = pa.schema(
    [
        pa.field("year", pa.int16(), nullable=False),
        pa.field("family", pa.string(), nullable=False),
        pa.field("term", pa.string()),
        pa.field("n_documents", pa.int32(), nullable=False),
        pa.field("n_sentences", pa.int64(), nullable=False),
        pa.field("n_matching", pa.int64(), nullable=False),
        pa.field("share", pa.float64(), nullable=False),
        pa.field("doc_share", pa.float64(), nullable=False),
    ],
    metadata={
        "description": "Per year, term family and term (empty term: any term of the family): "
        "sentences whose lemmas match / sentences, and documents with a match / documents."
    },
)

LAYERING = pa.schema(
    [
        pa.field("year", pa.int16(), nullable=False),
        pa.field("n_documents", pa.int32(), nullable=False),
        pa.field("trust_doc_share", pa.float64(), nullable=False),
        pa.field("control_doc_share", pa.float64(), nullable=False),
        pa.field("both_doc_share", pa.float64(), nullable=False),
        pa.field("expected_both_doc_share", pa.float64(), nullable=False),
        pa.field("correlation", pa.float64()),
    ],
    metadata={
        "description": "Per year: documents with trust, with control and with both kinds of "
        "sentence; expected_both_doc_share = trust_doc_share × control_doc_share (both by "
        "chance); correlation: Pearson, over the year's documents, of their trust and control "
        "sentence shares (empty with fewer than 3 documents or no variation). Both above "
        "chance and a correlation ≥ 0 point to layering, a negative one to replacement."
    },
)

SEDIMENT = pa.schema(
    [
        pa.field("kind", pa.string(), nullable=False),
        pa.field("family", pa.string()),
        pa.field("name", pa.string(), nullable=False),
        pa.field("share_from", pa.string(), nullable=False),
        pa.field("baseline", pa.float64()),
        pa.field("onset_year", pa.int16()),
        pa.field("peak_year", pa.int16()),
        pa.field("peak_share", pa.float64()),
        pa.field("latest_year", pa.int16()),
        pa.field("latest_share", pa.float64()),
        pa.field("residual_ratio", pa.float64()),
        pa.field("half_life_years", pa.int16()),
        pa.field("phase", pa.string()),
    ],
    metadata={
        "description": "Sediment metrics (pipeline/metrics.py) of each label's yearly share "
        "(kind label), each term family's (kind family) and each term's (kind term); "
        "share_from: labels (decisions) or probabilities (mean calibrated probability)."
    },
)

# The tables computed from the stored sentences, by file name.
DERIVED = {
    "trends.parquet": TRENDS,
    "terms.parquet": TERMS,
    "layering.parquet": LAYERING,
    "sediment.parquet": SEDIMENT,
}
