"""The ground every domain stands on: settings, the database (a request's statements on one connection) and its
tables and migrations, the signed-in user, the kinds of "no" a service gives, translations, the audit chain,
passwords, rate limits, file sniffing, YAML reading and document rendering. Imports nothing else of core.
"""
