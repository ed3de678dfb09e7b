"""Scoring: the predictor over the compiled fast path, normalisation, segmentation, explanations."""
