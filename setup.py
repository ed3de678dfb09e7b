"""Build configuration beyond pyproject.toml: the optional C extension of the fast path.

`optional=True`: where it cannot be built (no C compiler, no Python headers) the install goes on
without it and serving/scoring/speed.py falls back to numpy, with the same results.
"""
from setuptools import Extension, setup

setup(ext_modules=[Extension("serving.scoring._speed", ["serving/scoring/_speed.c"], optional=True,
                             extra_compile_args=["-O2"])])
