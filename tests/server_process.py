"""Real `edc serve` processes for tests: start on a free port, wait for /health, stop."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx
from backends import runtime_url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def edc_serve(*args: str, url: str, cwd: Path | None = None, startup_seconds: float = 60) -> Iterator[str]:
    """`python -m edc serve --url URL --port <free> ARGS...`; yields the base URL, terminates the server after.

    On PostgreSQL the server connects as the runtime role to the database of `url` (prepared by its owner
    first, e.g. `prepare_database(url)`), as in production.
    """
    url = runtime_url(url)
    port = free_port()
    env = {**os.environ, "EDC_DATABASE_URL": url}
    command = [sys.executable, "-m", "edc", "serve", "--url", url, "--port", str(port), *args]
    with tempfile.TemporaryFile("w+") as output:  # a file, not a pipe: a full pipe would block the server
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=output, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, text=True)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(base, process, output, startup_seconds)
            yield base
        finally:
            process.terminate()
            process.wait(30)


def _wait_until_up(base: str, process: subprocess.Popen[str], output: IO[str], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output.seek(0)
            raise RuntimeError(f"edc serve exited with {process.returncode}:\n{output.read()}")
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError(f"edc serve at {base} did not answer within {seconds} s")
