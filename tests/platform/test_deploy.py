"""The production description stays complete: every service has an API, a worker and a gateway route."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from shared.runtime.settings import SERVICE_NAMES

ROOT = Path(__file__).resolve().parents[2]


def test_compose_runs_an_api_and_a_worker_per_service_behind_the_gateway():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    for name in SERVICE_NAMES:
        assert compose[f"{name}-api"]["command"][:2] == ["serve", name]
        assert compose[f"{name}-worker"]["command"] == ["worker", name]
    assert {"postgres", "redis", "migrate", "gateway"} <= set(compose)
    routes = re.findall(r"location /(\w+)/ \{ proxy_pass http://(\w+); \}", (ROOT / "deploy/gateway.conf").read_text())
    assert sorted(routes) == sorted((name, name) for name in SERVICE_NAMES)


def test_the_production_example_names_every_setting_production_requires():
    example = (ROOT / "deploy/production.env.example").read_text()
    for setting in ("FANGFAN_MODE=production", "FANGFAN_REDIS_URL", "FANGFAN_JWT_SECRET", "FANGFAN_BLIND_INDEX_KEY",
                    "FANGFAN_FIELD_ENCRYPTION_KEY", *(f"FANGFAN_{n.upper()}_DATABASE_URL" for n in SERVICE_NAMES)):
        assert setting in example


def test_production_redis_keeps_its_jobs_on_disk():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text("utf-8"))["services"]["redis"]
    [config] = [volume.split(":")[0] for volume in compose["volumes"] if volume.endswith("redis.conf:ro")]
    assert compose["command"][-1] == "/usr/local/etc/redis/redis.conf"
    settings = dict(line.split(None, 1) for line in (ROOT / config).read_text("utf-8").splitlines()
                    if line.strip() and not line.startswith("#"))
    assert settings["appendonly"] == "yes" and settings["appendfsync"] == "everysec"
    assert "redisdata:/data" in compose["volumes"]
