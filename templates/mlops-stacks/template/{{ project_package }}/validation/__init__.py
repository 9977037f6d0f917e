"""Validation: evaluate a new model version against fixed thresholds and mark it `challenger`."""
