"""Subscriptions: alerts delivered as signed webhooks, retried with backoff, with a log of every attempt."""
