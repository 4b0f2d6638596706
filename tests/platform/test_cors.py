"""Browser pages of the configured origins (FANGFAN_CORS_ORIGINS) may call the API; no origin by default."""

from __future__ import annotations

import httpx
import pytest

from shared.events.transports import InProcessTransport
from shared.runtime.app import create_service_app
from shared.runtime.definition import load_service
from shared.runtime.service_runtime import ServiceRuntime
from shared.runtime.settings import PlatformSettings

pytestmark = pytest.mark.asyncio

WEB = "https://monitor.tongliang.example"


def intake_client(tmp_path, **settings) -> httpx.AsyncClient:
    platform = PlatformSettings(_env_file=None, data_dir=tmp_path, **settings)
    app = create_service_app(ServiceRuntime(load_service("intake"), platform, InProcessTransport()))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://fangfan.test")


async def preflight(client: httpx.AsyncClient) -> httpx.Response:
    return await client.options("/households", headers={
        "Origin": WEB, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization"})


async def test_no_origin_is_allowed_by_default(tmp_path):
    async with intake_client(tmp_path) as client:
        answer = await preflight(client)
        plain = await client.get("/healthz", headers={"Origin": WEB})
    assert "access-control-allow-origin" not in answer.headers
    assert "access-control-allow-origin" not in plain.headers


async def test_a_configured_origin_may_call_with_its_token_and_read_the_etag(tmp_path):
    async with intake_client(tmp_path, cors_origins=f"{WEB}, https://other.example") as client:
        answer = await preflight(client)
        plain = await client.get("/healthz", headers={"Origin": WEB})
        stranger = await preflight_from(client, "https://evil.example")
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == WEB
    assert "authorization" in answer.headers["access-control-allow-headers"].lower()
    assert plain.headers["access-control-allow-origin"] == WEB
    assert "etag" in plain.headers["access-control-expose-headers"].lower()
    assert "access-control-allow-origin" not in stranger.headers


async def preflight_from(client: httpx.AsyncClient, origin: str) -> httpx.Response:
    return await client.options("/households", headers={"Origin": origin, "Access-Control-Request-Method": "GET"})
