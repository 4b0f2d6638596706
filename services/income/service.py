"""The income service: per-capita net income by the official rules (附件5), versioned rule sets."""

from pathlib import Path

from shared.service import ServiceDefinition

service = ServiceDefinition(
    name="income",
    title="收入测算 income assessment",
    description="Per-capita net income computed by the official rules (附件5) against versioned rule sets.",
    routers=[],
    handlers=[],
    versions_dir=Path(__file__).parent / "migrations" / "versions",
)
