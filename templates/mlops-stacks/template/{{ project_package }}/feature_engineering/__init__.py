"""Feature engineering: per-zip trip statistics, written as a feature table (CSV)."""
