"""Tests of training/: the labelled data, features, the trainer, artifacts, checks, corrections."""
