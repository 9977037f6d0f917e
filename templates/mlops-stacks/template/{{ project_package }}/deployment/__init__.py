"""Deployment: promote the `challenger` to `champion` when it is better (or there is none)."""
