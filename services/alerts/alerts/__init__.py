"""Alerts raised from the registry by the scan: due soon, overdue, reminders and escalations; acknowledged."""
