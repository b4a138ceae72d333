"""Plugins that tell the outside world what happened: webhooks to partners."""
