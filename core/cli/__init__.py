"""The giuria command: its entry point and the commands that need more than a line (demo, score, assign)."""
