"""The Parquet cache of a log: round trip, freshness, staleness, versions, the CLI."""

from __future__ import annotations

import json
import os
import shutil
import warnings

import pandas as pd
import pytest

from chartkit.cli import main
from chartkit.errors import DataWarning
from chartkit.metrics import RunLog, read, sample_path
from chartkit.metrics.cache import cache_status, read_cache, write_cache


def _quiet_read(path, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        return read(path, **kw)


def _same(a: RunLog, b: RunLog) -> None:
    keys = ["run", "rank", "trial", "metric", "step"]
    left = a.metrics.sort_values(keys, kind="stable").reset_index(drop=True)
    right = b.metrics.sort_values(keys, kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(left, right)
    pd.testing.assert_frame_equal(
        a.params.reset_index(drop=True), b.params.reset_index(drop=True), check_dtype=False
    )


@pytest.mark.parametrize("name", ["ddp_world4", "ray_asha", "lightning", "nvidia_smi"])
def test_round_trip_keeps_values_dtypes_params_and_info(name, tmp_path):
    src = sample_path(name)
    log = _quiet_read(src)
    write_cache(log, tmp_path / "c", src)
    back = read_cache(tmp_path / "c")
    _same(log, back)
    assert [e.message() for e in back.info.entries] == [e.message() for e in log.info.entries]
    assert sorted(k for k in back.info.extra if k != "cache") == sorted(log.info.extra)
    parts = {p.name.split("=")[0] for p in (tmp_path / "c" / "metrics").iterdir()}
    assert parts == {"run"}  # Hive partitions run=/rank=/metric=


def test_read_with_cache_is_served_fresh_and_rebuilt_when_stale(tmp_path):
    src = tmp_path / "run"
    shutil.copytree(sample_path("ddp_world2"), src)
    cache = tmp_path / "cache"
    first = _quiet_read(src, cache=cache)
    assert cache_status(cache, src)[0] == "fresh"
    second = _quiet_read(src, cache=cache)
    assert second.info.extra.get("cache") == str(cache)  # served from Parquet
    _same(first, second)
    rank1 = src / "rank1.jsonl"
    with rank1.open("a") as fh:
        fh.write(json.dumps({"step": 99999, "loss": 0.25, "rank": 1}) + "\n")
    status, why = cache_status(cache, src)
    assert status == "stale"
    assert why.endswith("rank1.jsonl changed")
    with pytest.warns(DataWarning, match=r"the log cache in .* is stale \(.*rank1\.jsonl "
                      r"changed\): rebuilt"):
        third = read(src, cache=cache)
    assert 99999 in set(third.metrics["step"])
    assert cache_status(cache, src)[0] == "fresh"


def test_other_options_or_version_rebuild(tmp_path):
    src = sample_path("lightning")
    cache = tmp_path / "cache"
    _quiet_read(src, cache=cache)
    assert cache_status(cache, src, {"keep": "first"})[0] == "stale"
    meta = json.loads((cache / "chartkit-cache.json").read_text())
    meta["chartkit"] = "0.0.1"
    (cache / "chartkit-cache.json").write_text(json.dumps(meta))
    with pytest.warns(DataWarning, match=r"is other-version \(written by chartkit 0\.0\.1"):
        read(src, cache=cache)


def test_a_non_cache_folder_is_never_overwritten(tmp_path):
    (tmp_path / "mine.txt").write_text("keep me")
    log = _quiet_read(sample_path("lightning"))
    with pytest.raises(ValueError, match="is not a valid value for cache; expected an empty "
                       "folder or a chartkit cache"):
        write_cache(log, tmp_path, sample_path("lightning"))
    assert (tmp_path / "mine.txt").read_text() == "keep me"


def test_cli_convert(tmp_path, capsys):
    out = tmp_path / "c"
    assert main(["logs", "convert", os.fspath(sample_path("ddp_world2")), "--out",
                 os.fspath(out)]) == 0
    assert "points of" in capsys.readouterr().out
    assert (out / "chartkit-cache.json").exists()
    assert main(["logs", "convert", os.fspath(sample_path("compare_lr_seeds")), "--out",
                 os.fspath(tmp_path / "d")]) == 2
    assert "expected a path holding one log, not 12" in capsys.readouterr().err


def test_rows_come_back_in_the_readers_order_not_sorted(tmp_path):
    # A resume read with keep="all": steps go back inside one series, so only the row order
    # says which value came first. 2 ranks x 600,000 rows are several row batches: the
    # threaded writer interleaved them (steps 131073... first) before preserve_order.
    import numpy as np

    from chartkit.metrics.schema import LogInfo, empty_params, make_frame

    step = np.concatenate([np.arange(400_000), np.arange(200_000, 400_000)])
    frames = [
        make_frame("jsonl", run="r", rank=k, step=step, metric="loss",
                   value=np.arange(step.size, dtype=float) + k)
        for k in (1, 0)
    ]
    frame = pd.concat(frames, ignore_index=True).astype(frames[0].dtypes.to_dict())
    log = RunLog(frame, empty_params(), LogInfo(source="jsonl"))
    src = tmp_path / "log.jsonl"
    src.write_text("{}\n")
    write_cache(log, tmp_path / "c", src)
    back = read_cache(tmp_path / "c").metrics
    # rank order restored by the series key, rows within a rank as written
    expected = pd.concat([frames[1], frames[0]], ignore_index=True).astype(back.dtypes.to_dict())
    pd.testing.assert_frame_equal(back, expected)
