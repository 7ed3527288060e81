"""Shared fixtures: every test gets its own AGENTLAB_HOME; nothing reaches the network."""

from __future__ import annotations

import asyncio
import os
import socket
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"

# The decoded-tokenizer cache goes to a folder of this test run, not the user's ~/.cache
# (subprocesses the tests start inherit it).
os.environ["AGENTLAB_CACHE_DIR"] = tempfile.mkdtemp(prefix="agentlab-test-cache-")


@pytest.fixture(autouse=True)
def agentlab_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("AGENTLAB_HOME", str(home))
    monkeypatch.setenv("CI", "true")  # never prompt a person from a test
    return home


def _guard_connect(original):
    def connect(self, address):  # type: ignore[no-untyped-def]
        host = address[0] if isinstance(address, tuple) else address
        if (
            isinstance(host, str)
            and host not in ("127.0.0.1", "::1", "localhost")
            and not host.startswith("/")
        ):
            raise OSError(f"network access blocked in tests: {address!r}")
        return original(self, address)

    return connect


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never reach the internet: only loopback connections are allowed."""
    monkeypatch.setattr(socket.socket, "connect", _guard_connect(socket.socket.connect))


def run(coro):  # small helper for sync tests
    return asyncio.run(coro)
