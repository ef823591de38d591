"""Logs read from URLs: real servers started here (HTTP, and S3 through moto's server)."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import socketserver
import threading
import warnings

import pytest

from chartkit.errors import DataWarning
from chartkit.metrics import read, sample_path

fsspec = pytest.importorskip("fsspec")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output clean
        pass


@pytest.fixture
def http_root(tmp_path):
    root = tmp_path / "www"
    shutil.copytree(sample_path("ddp_world2"), root / "world2")
    cut = root / "cut"
    cut.mkdir()
    (cut / "rank0.jsonl").write_text('{"step": 1, "loss": 0.5}\n{"step": 2, "loss": 0.4}\n{"st')
    handler = functools.partial(_Quiet, directory=str(root))
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_http_folder_reads_like_the_local_folder(http_root):
    pytest.importorskip("aiohttp")
    local = read(sample_path("ddp_world2"))
    remote = read(f"{http_root}/world2/")
    assert remote.metrics.shape == local.metrics.shape
    assert list(remote.metrics["run"].unique()) == ["world2"]
    assert remote.metrics["value"].sum() == pytest.approx(local.metrics["value"].sum())


def test_a_partial_upload_behaves_as_a_local_cut_file(http_root):
    pytest.importorskip("aiohttp")
    with pytest.warns(DataWarning, match="cut"):
        log = read(f"{http_root}/cut/rank0.jsonl")
    assert sorted(log.metrics["step"]) == [1, 2]


def test_an_unreachable_url_is_one_clear_error():
    pytest.importorskip("aiohttp")
    with pytest.raises(OSError, match=r"cannot read http://127\.0\.0\.1:9/none/: .*Check the "
                       r"URL and storage_options= for the server"):
        read("http://127.0.0.1:9/none/")


@pytest.fixture
def s3(monkeypatch):
    pytest.importorskip("s3fs")
    moto_server = pytest.importorskip("moto.server")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0)
        server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    opts = {"client_kwargs": {"endpoint_url": endpoint}}
    fs = fsspec.filesystem("s3", **opts)
    fs.makedirs("logs", exist_ok=True)  # moto's backend outlives one server
    src = sample_path("ddp_world2")
    for name in os.listdir(src):
        fs.pipe(f"logs/runs/world2/{name}", (src / name).read_bytes())
    yield opts
    server.stop()


def test_s3_folder_through_a_real_s3_server(s3):
    log = read("s3://logs/runs/world2", storage_options=s3)
    assert log.metrics["rank"].nunique() == 2
    assert list(log.metrics["run"].unique()) == ["world2"]


def test_s3_missing_bucket_names_the_url(s3):
    with pytest.raises((FileNotFoundError, OSError), match="s3://nobucket/x"):
        read("s3://nobucket/x", storage_options=s3)


def test_memory_and_file_urls(tmp_path):
    fs = fsspec.filesystem("memory")
    src = sample_path("ddp_world2")
    for name in os.listdir(src):
        fs.pipe(f"/t/world2/{name}", (src / name).read_bytes())
    assert read("memory://t/world2").metrics["rank"].nunique() == 2
    assert read(f"file://{src}").metrics["rank"].nunique() == 2
