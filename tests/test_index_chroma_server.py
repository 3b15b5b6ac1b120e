"""Server mode: with NEWSDESK_CHROMA_URL set, the same code indexes into and answers from a
real `chroma run` server process on 127.0.0.1."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path

import pytest
from support import SAMPLES, make_services

pytestmark = pytest.mark.server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"chroma server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError("chroma server did not start")


@pytest.fixture
def chroma_server(tmp_path):
    executable = Path(sys.executable).with_name("chroma")
    if not executable.exists():
        executable = Path(shutil.which("chroma") or "chroma")
    port = free_port()
    process = subprocess.Popen(
        [
            str(executable),
            "run",
            "--path",
            str(tmp_path / "server"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_index_and_answer_through_a_chroma_server(tmp_path, chroma_server):
    services = make_services(tmp_path, chroma_url=chroma_server, today=date(2025, 3, 1))
    report = services.library.index_paths([SAMPLES])
    assert report.added >= 18
    assert not (tmp_path / "data" / "chroma").exists()  # nothing embedded locally

    import chromadb

    port = chroma_server.rsplit(":", 1)[1]
    remote = chromadb.HttpClient(host="127.0.0.1", port=int(port))
    assert remote.get_collection("newsdesk").count() == services.library.stats().chunks

    answer = services.newsdesk.ask("Who intercepted the bombers near Alaska?")
    assert not answer.refused
    assert "bomber" in answer.citations[0].title.lower()

    again = services.library.index_paths([SAMPLES])
    assert again.unchanged == report.added and again.chunks_embedded == 0
