"""Batch inference: score a file of trips with the `champion` model."""
