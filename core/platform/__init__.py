"""The ground every domain stands on: settings, the database and its tables and migrations,
translations, the audit chain, passwords, rate limits, file sniffing, YAML reading and document
rendering. Imports nothing else of core.
"""
