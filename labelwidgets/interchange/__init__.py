"""Labels out and back in: files (JSONL, Parquet, CSV), Hugging Face datasets and spaCy training data.

`lw.export` writes one row per item with its answer and the answer's provenance, `lw.read_labels` reads such a file
back as the same DataFrame (one a Labeler resumes on), `lw.to_dataset` makes a `datasets.DatasetDict` and
`lw.to_spacy` a spaCy `DocBin`. pyarrow, datasets and spacy load on first use (the ``interchange`` extra).
"""
