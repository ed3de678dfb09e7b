"""Tests of serving/batch/: the batch labeller (`zongjie tag`) on real and hostile files."""
