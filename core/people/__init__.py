"""Accounts and how people get one: sign-in, registration, invitations, and each person's own data
(export and erasure).
"""
