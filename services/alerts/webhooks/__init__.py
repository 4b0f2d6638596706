"""The inbound webhook of department warnings: Standard Webhooks signatures, replay protection, refusals."""
