"""Sponsors: their scoped portal and the reports they read."""
