"""The domain in plain Python: no I/O, no Qt, no database sessions."""
