"""Tests of serving/api/: the HTTP API through the test client, a real server, a browser."""
