"""The benchmark's load client against a real `edc serve`: statuses, sized bodies, requests sharing a connection."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from urllib.parse import urlsplit

from server_process import edc_serve

from bench.http_load import Connection


async def _two_logins(host: str, port: int) -> list[tuple[int, bytes]]:
    connection = await Connection.open(host, port)
    try:
        refused = await connection.post_json("/api/v1/auth/token", {"username": "nobody", "password": "wrong"})
        malformed = await connection.post_json("/api/v1/auth/token", {"user": "nobody"})  # same connection
        return [refused, malformed]
    finally:
        await connection.close()


def test_load_client_reads_statuses_and_bodies_over_one_connection(tmp_path: Path) -> None:
    with edc_serve(url=f"sqlite:///{tmp_path / 'bench.sqlite'}") as base:
        address = urlsplit(base)
        assert address.hostname is not None and address.port is not None
        (first_status, first_body), (second_status, second_body) = asyncio.run(
            _two_logins(address.hostname, address.port))
    assert first_status == 401 and json.loads(first_body)["status"] == 401
    assert second_status == 422 and json.loads(second_body)["status"] == 422
