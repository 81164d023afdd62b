"""A lean HTTP/1.1 keep-alive client for load generation.

The load generator shares the machine with the server it measures, so it must
cost as little CPU per request as possible: one asyncio stream per simulated
client, requests written as bytes, responses read by Content-Length. It speaks
only what the benchmarks need (POST with a JSON body, GET, a sized response)
and refuses anything else rather than guess.
"""

from __future__ import annotations

import asyncio
import json


class Connection:
    """One persistent connection to `host:port`, used by one client at a time."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str) -> None:
        self._reader, self._writer, self._host = reader, writer, host

    @classmethod
    async def open(cls, host: str, port: int) -> Connection:
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer, host)

    async def post_json(self, path: str, payload: object, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        """POST `payload` as JSON; return the status code and the response body."""
        body = json.dumps(payload).encode()
        return await self._request(f"POST {path}", body, {"Content-Type": "application/json", **(headers or {})})

    async def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        """GET `path` (with its query string); return the status code and the response body."""
        return await self._request(f"GET {path}", b"", headers or {})

    async def _request(self, line: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        head = [f"{line} HTTP/1.1", f"Host: {self._host}", f"Content-Length: {len(body)}"]
        head += [f"{name}: {value}" for name, value in headers.items()]
        self._writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        await self._writer.drain()
        return await self._response()

    async def _response(self) -> tuple[int, bytes]:
        raw = await self._reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length = None
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
            elif name.strip().lower() == "transfer-encoding":
                raise ValueError("chunked responses are not supported by the load client")
        if length is None:
            raise ValueError("a response without Content-Length")
        return status, await self._reader.readexactly(length)

    async def close(self) -> None:
        self._writer.close()
        await self._writer.wait_closed()
