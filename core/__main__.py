"""`python -m core` runs the giuria command (useful before the console script is on PATH)."""

from core.cli.main import main

main()
