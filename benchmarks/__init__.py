"""Speed and memory figures, each beside the plain tool doing the same job (see README)."""
