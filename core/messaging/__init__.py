"""What leaves the platform or runs later: the queue the mail outbox, partner webhooks and background jobs
share, rendering and SMTP, mail template overrides, notices to organisers, and `events.emit`, which turns a
lifecycle event into webhook deliveries, mail and plugin calls.
"""
