"""The giuria command: its entry point and the commands that need more than a line (the demo and its stages,
score, assign)."""
