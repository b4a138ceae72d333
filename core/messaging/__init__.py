"""What leaves the platform or runs later: the mail outbox, rendering and SMTP, mail template
overrides, partner webhooks and background jobs.
"""
