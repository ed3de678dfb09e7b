"""The `zongjie` command: one module per command group; each parses, calls one library function
and prints. `main` is the console script (`zongjie = serving.cli:main`)."""
from serving.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
