"""Training-log readers into one canonical long frame (placeholder; see schema.py)."""
