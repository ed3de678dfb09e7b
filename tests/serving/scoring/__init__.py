"""Tests of serving/scoring/: the fast path and the compiled kernel equal the reference pipeline."""
