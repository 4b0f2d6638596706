"""Request bodies are bounded before they are read: 1 MiB by default, the import's own limit for uploads."""

from __future__ import annotations

import json

import pytest

from shared.runtime.app import DEFAULT_BODY_LIMIT
from tests.conftest import VILLAGE
from tests.factories.income import declaration

pytestmark = pytest.mark.asyncio


def calculation(items: int) -> dict:
    return {"org_code": VILLAGE, "year": 2024,
            "declaration": declaration(transfer_items=[{"kind": "pension", "amount": "1.00"}] * items)}


class CountingBody:
    """A request body sent in chunks without a Content-Length, counting how many chunks the server took."""

    def __init__(self, chunk: bytes, chunks: int) -> None:
        self.chunk, self.chunks, self.taken = chunk, chunks, 0

    async def __aiter__(self):
        for _ in range(self.chunks):
            self.taken += 1
            yield self.chunk


def refused_for_size(response, limit: int) -> None:
    assert response.status_code == 413, response.text
    body = response.json()
    assert body["error"] == "PayloadTooLarge"
    assert f"{limit} bytes" in body["detail"], body


async def test_a_json_body_over_the_default_limit_is_refused_with_the_limit(system):
    body = json.dumps(calculation(30_000)).encode()  # the attack: tens of thousands of transfer items
    assert len(body) > DEFAULT_BODY_LIMIT
    response = await system.client.post("/income/calculate", content=body, headers={
        **system.headers("village_cadre", VILLAGE), "content-type": "application/json"})
    refused_for_size(response, DEFAULT_BODY_LIMIT)
    assert response.headers["x-request-id"]


async def test_a_body_without_a_length_is_not_read_past_the_limit(system):
    streamed = CountingBody(b" " * 65536, chunks=200)  # 12.5 MiB of whitespace, no Content-Length
    response = await system.client.post("/income/calculate", content=streamed, headers={
        **system.headers("village_cadre", VILLAGE), "content-type": "application/json"})
    refused_for_size(response, DEFAULT_BODY_LIMIT)
    assert streamed.taken <= DEFAULT_BODY_LIMIT // 65536 + 2


async def test_a_body_under_the_limit_is_served_as_before(system):
    response = await system.client.post("/income/calculate", json=calculation(50),
                                        headers=system.headers("village_cadre", VILLAGE))
    assert response.status_code == 200, response.text
