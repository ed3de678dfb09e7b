"""zongjie serving: a trained artifact in, predictions out (CLI, HTTP API, batch labeller)."""
