"""Tests of serving/: locating folders and settings here, one folder per room below."""
