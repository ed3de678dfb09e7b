"""`python -m serving.cli`: the `zongjie` command."""
import sys

from serving.cli.main import main

sys.exit(main())
