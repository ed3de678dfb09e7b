"""`python -m serving.cli`: the `zongjie` command."""
import sys

from .main import main

sys.exit(main())
