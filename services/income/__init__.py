"""Per-capita net income computed by the official rules (附件5) against versioned rule sets."""

TITLE = "收入测算 income assessment"
