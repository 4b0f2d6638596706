"""Security: bearer tokens and scope, field encryption and blind indexes, the audit trail."""
