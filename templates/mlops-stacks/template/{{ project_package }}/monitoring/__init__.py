"""Monitoring: compare scored trips with their labels and flag metric violations."""
