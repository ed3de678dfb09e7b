"""Tests of serving/cli/: what the `zongjie` command itself owns (progress output)."""
