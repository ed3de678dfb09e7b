"""Tests of deploy/: the service recipes and the offline install from a wheelhouse."""
