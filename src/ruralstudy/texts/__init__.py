"""Texts by format: the manifest and corpus, input limits, ingest, readers per format, OCR."""
