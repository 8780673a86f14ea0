"""sediment: Swedish steering documents to Parquet, sentence by sentence."""

__version__ = "0.2.0"
