"""The bundle pipeline's steps, one per module; ``bundle/phases.py`` orders them."""
