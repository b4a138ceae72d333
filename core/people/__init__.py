"""Accounts and how people get one: sign-in, registration, invitations, personal API tokens, and each
person's own data (export and erasure).
"""
