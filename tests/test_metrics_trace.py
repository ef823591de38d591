"""torch.profiler traces: reader, categories, breakdown, straggler, charts."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest

from chartkit.audit import check_figure
from chartkit.errors import DataWarning
from chartkit.metrics import read_jsonl, read_trace, sample_path
from chartkit.metrics.plots import plot_step_breakdown, plot_straggler, plot_timeline
from chartkit.metrics.trace_analysis import classify, find_straggler, step_breakdown

DATA = Path(__file__).parent / "data" / "profiler"
WORLD4 = sample_path("profiler_world4")
WORLD2 = DATA / "world2"


@pytest.fixture(scope="module")
def world4():
    return read_trace(WORLD4)


def test_reads_four_gzipped_ranks_with_steps_and_clock(world4):
    assert world4.ranks == [0, 1, 2, 3]
    assert sorted(world4.steps["step"].unique()) == [3, 4, 5, 6]
    assert (world4.steps.groupby("rank").size() == 4).all()
    assert set(world4.events.columns) >= {
        "rank", "step", "lane", "category", "name", "start", "duration", "wall"
    }
    # baseTimeNanoseconds + ts is the host's epoch clock: it matches the JSONL's wall_time
    jsonl = read_jsonl(WORLD4).metrics
    wall = jsonl[(jsonl["metric"] == "loss") & (jsonl["rank"] == 2)].set_index("step")["wall_time"]
    ev = world4.events
    step5 = ev[(ev["rank"] == 2) & (ev["name"] == "ProfilerStep#5")]
    assert abs(float(step5["wall"].iloc[0]) - float(wall.loc[5])) < 0.3
    assert "not corrected for skew" in world4.clocks[0]
    assert world4.meta[2]["rank_from"] == "distributedInfo.rank"


def test_categories_follow_the_documented_rules(world4):
    ev = world4.events
    cat = dict(zip(ev["name"].astype(str), ev["category"].astype(str), strict=False))
    assert cat["gloo:all_reduce"] == "communication"
    assert cat["data_loading"] == "data loading"
    assert cat["optimizer_step"] == "optimizer"
    assert cat["Optimizer.step#SGD.step"] == "optimizer"
    assert cat["aten::addmm"] == "compute"
    assert cat["ProfilerStep#3"] == "step"
    # ops inside the data_loading range take its category
    inside = ev[(ev["rank"] == 2) & (ev["category"] == "data loading") & (ev["cat"] == "cpu_op")]
    assert len(inside) > 0


def test_straggler_is_rank_2_by_data_loading(world4):
    rep = find_straggler(world4)
    assert rep.straggler == 2
    assert rep.cause == "data loading"
    assert 30 < rep.excess_ms < 50  # ~40 ms of sleep per step in the generator
    assert rep.waiting_ranks == [0, 1, 3]
    assert rep.comm_name == "gloo:all_reduce"
    assert "rank 2 is the straggler: its data loading" in rep.sentence()


def test_straggler_table_joins_the_per_rank_metrics(world4):
    metrics = read_jsonl(WORLD4)
    rep = find_straggler(world4, metrics=metrics)
    assert "loss" in rep.table.columns
    assert rep.table["loss"].notna().all()


def test_no_straggler_on_the_balanced_run():
    rep = find_straggler(read_trace(WORLD2))
    assert rep.straggler is None
    assert rep.sentence().startswith("no straggler")


def test_breakdown_adds_up_to_the_step_time(world4):
    bd = step_breakdown(world4)
    parts = bd[["compute", "optimizer", "data loading", "memory copy", "communication",
                "other", "idle"]].sum(axis=1)
    np.testing.assert_allclose(parts, bd["step_time"], rtol=1e-9)
    assert (bd["overlapped communication"] >= 0).all()
    assert bd.loc[bd["rank"] == 2, "data loading"].min() > 35


def _gpu_trace(path: Path, rank: int, comm_overlaps: bool) -> Path:
    """A trace in the documented GPU shape: kernels on CUDA streams, NCCL, copies, flows."""
    def x(name, cat, pid, tid, ts, dur, **args):
        return {"ph": "X", "cat": cat, "name": name, "pid": pid, "tid": tid, "ts": ts,
                "dur": dur, "args": args}

    nccl_start = 400.0 if comm_overlaps else 900.0
    events = [
        {"ph": "M", "name": "process_name", "pid": 0, "tid": 0, "args": {"name": "GPU 0"}},
        {"ph": "M", "name": "thread_name", "pid": 4242, "tid": 4242,
         "args": {"name": "thread 4242 (python)"}},
        x("ProfilerStep#10", "user_annotation", 4242, 4242, 0.0, 1000.0),
        x("cudaLaunchKernel", "cuda_runtime", 4242, 4242, 10.0, 5.0, correlation=1),
        x("cudaMemcpyAsync", "cuda_runtime", 4242, 4242, 20.0, 5.0, correlation=2),
        x("Memcpy HtoD (Pageable -> Device)", "gpu_memcpy", 0, 7, 30.0, 70.0, stream=7),
        x("ampere_sgemm_128x64_tn", "kernel", 0, 7, 100.0, 600.0, stream=7),
        x("ncclKernel_AllReduce_RING_LL_Sum_float", "kernel", 0, 20, nccl_start, 200.0,
          stream=20),
        x("multi_tensor_apply_kernel", "kernel", 0, 7, 950.0, 40.0, stream=7),
        {"ph": "s", "id": 1, "pid": 4242, "tid": 4242, "ts": 10.0, "cat": "ac2g",
         "name": "ac2g"},
        {"ph": "f", "id": 1, "pid": 0, "tid": 7, "ts": 100.0, "cat": "ac2g", "name": "ac2g",
         "bp": "e"},
    ]
    doc = {
        "schemaVersion": 1,
        "distributedInfo": {"backend": "nccl", "rank": rank, "world_size": 2},
        "baseTimeNanoseconds": 1_700_000_000_000_000_000,
        "deviceProperties": [{"id": 0, "name": "NVIDIA H100 80GB HBM3"}],
        "traceEvents": events,
    }
    f = path / f"host_{rank}.pt.trace.json"
    f.write_text(json.dumps(doc))
    return f


def test_gpu_shaped_traces(tmp_path):
    _gpu_trace(tmp_path, 0, comm_overlaps=True)
    _gpu_trace(tmp_path, 1, comm_overlaps=False)
    trace = read_trace(tmp_path)
    ev = trace.events
    cat = dict(zip(ev["name"].astype(str), ev["category"].astype(str), strict=False))
    assert cat["ncclKernel_AllReduce_RING_LL_Sum_float"] == "communication"
    assert cat["Memcpy HtoD (Pageable -> Device)"] == "memory copy"
    assert cat["ampere_sgemm_128x64_tn"] == "compute"
    assert cat["multi_tensor_apply_kernel"] == "optimizer"
    assert cat["cudaMemcpyAsync"] == "memory copy"
    lanes = set(ev.loc[ev["name"].astype(str).str.startswith("nccl"), "lane"].astype(str))
    assert lanes == {"gpu 0 stream 20"}
    bd = step_breakdown(trace).set_index("rank")
    # rank 0: the all-reduce runs under the GEMM (overlapped); rank 1: after it (exposed)
    assert bd.loc[0, "overlapped communication"] == pytest.approx(0.2)
    assert bd.loc[0, "exposed communication"] == pytest.approx(0.0)
    # rank 1: 900..1000 us of all-reduce in the step, 950..990 under the optimizer kernel
    assert bd.loc[1, "exposed communication"] == pytest.approx(0.06)
    assert bd.loc[1, "overlapped communication"] == pytest.approx(0.04)


def test_plain_json_and_a_cut_rank_among_good_ones(tmp_path):
    for f in WORLD2.glob("*.json.gz"):
        (tmp_path / f.name[:-3]).write_bytes(gzip.decompress(f.read_bytes()))
    cut = tmp_path / "rank1.999.pt.trace.json"
    good = sorted(tmp_path.glob("rank1.*.pt.trace.json"))[0]
    data = good.read_bytes()
    good.unlink()
    cut.write_bytes(data[: len(data) // 2])
    with pytest.warns(DataWarning, match=r"rank1\.999\.pt\.trace\.json.*not valid JSON"):
        trace = read_trace(tmp_path)
    assert trace.ranks == [0]
    with pytest.raises(ValueError, match=r"rank1\.999\.pt\.trace\.json: not valid JSON.*cut"):
        read_trace(cut)


def test_not_a_trace_is_refused_naming_what_was_expected(tmp_path):
    f = tmp_path / "x.pt.trace.json"
    f.write_text(json.dumps({"step": 1, "loss": 0.5}))
    with pytest.raises(ValueError, match=r"not a torch\.profiler trace: expected a JSON object "
                       r"with a 'traceEvents' list"):
        read_trace(f)
    with pytest.raises(FileNotFoundError, match=r"no torch\.profiler trace under"):
        read_trace(_empty(tmp_path))


def _empty(tmp_path: Path) -> Path:
    d = tmp_path / "empty"
    d.mkdir()
    return d


def test_no_profiler_step_is_one_step_with_a_warning(tmp_path):
    doc = {"traceEvents": [
        {"ph": "X", "cat": "cpu_op", "name": "aten::mm", "pid": 1, "tid": 1, "ts": 0, "dur": 50},
        {"ph": "X", "cat": "cpu_op", "name": "aten::add", "pid": 1, "tid": 1, "ts": 60,
         "dur": 10},
    ]}
    f = tmp_path / "rank0.pt.trace.json"
    f.write_text(json.dumps(doc))
    with pytest.warns(DataWarning, match="no ProfilerStep#N ranges; the whole trace is read as "
                      "step 0"):
        trace = read_trace(f)
    assert trace.steps["step"].tolist() == [0]
    assert trace.steps["duration"].iloc[0] == pytest.approx(0.07)


def test_ranks_with_different_steps_are_aligned_and_reported(tmp_path):
    def doc(rank, steps):
        ev = [{"ph": "X", "cat": "user_annotation", "name": f"ProfilerStep#{s}", "pid": 1,
               "tid": 1, "ts": 100.0 * i, "dur": 90.0} for i, s in enumerate(steps)]
        return {"distributedInfo": {"rank": rank}, "traceEvents": ev}

    (tmp_path / "a.pt.trace.json").write_text(json.dumps(doc(0, [1, 2, 3])))
    (tmp_path / "b.pt.trace.json").write_text(json.dumps(doc(1, [2, 3])))
    with pytest.warns(DataWarning, match=r"rank 1 has no trace of step\(s\) \[1\]"):
        trace = read_trace(tmp_path)
    assert find_straggler(trace).steps == [2, 3]


def test_classify_keeps_unknown_user_names_as_other(world4):
    frame = world4.events.head(3).copy()
    frame["name"] = ["my_block", "NCCL:allreduce", "fetch_batch"]
    frame["cat"] = ["user_annotation", "cpu_op", "user_annotation"]
    assert list(classify(frame)) == ["other", "communication", "data loading"]


@pytest.mark.parametrize(
    ("plot", "size"),
    [(plot_step_breakdown, (9, 4)), (plot_timeline, (9, 4.5)), (plot_straggler, (8, 3.5))],
)
def test_trace_charts_follow_the_contract_and_pass_the_audit(world4, plot, size):
    import chartkit

    with chartkit.theme("default", korean_font="bundled"):
        fig, ax = plt.subplots(figsize=size)
        before = plt.get_fignums()
        out = plot(world4, ax=ax)
        assert out is ax
        assert plt.get_fignums() == before
        report = check_figure(fig)
    assert report.ok, str(report)
    plt.close(fig)


def test_charts_in_korean(world4):
    fig, ax = plt.subplots(figsize=(8, 3.5))
    plot_straggler(world4, ax=ax, lang="ko")
    texts = " ".join(t.get_text() for t in fig.findobj(plt.Text))
    assert "지연 rank" in texts
    assert "데이터 로딩" in texts
    plt.close(fig)


@pytest.mark.mpl_image_compare(style="default")
def test_timeline_image(world4):
    import chartkit

    with chartkit.theme("default", korean_font="bundled"):
        fig, ax = plt.subplots(figsize=(9, 4.5))
        plot_timeline(world4, ax=ax)
    return fig


@pytest.mark.mpl_image_compare(style="default")
def test_breakdown_image(world4):
    import chartkit

    with chartkit.theme("default", korean_font="bundled"):
        fig, ax = plt.subplots(figsize=(9, 4))
        plot_step_breakdown(world4, ax=ax)
    return fig


def test_covered_matches_the_per_interval_sum_and_ties_follow_priority():
    import numpy as np

    from chartkit.metrics.plots.trace import _covered, _union

    rng = np.random.default_rng(0)
    for _ in range(100):
        n = int(rng.integers(1, 40))
        start = rng.uniform(0, 100, n).round(1)
        s, e = _union(start, start + rng.uniform(0, 20, n).round(1))
        edges = np.unique(np.concatenate([np.linspace(-5, 130, 30), s[:3], e[:3]]))
        x = edges[:, None]  # the definition: sum over intervals of the part left of each edge
        total = (np.clip(x - s[None, :], 0, None) - np.clip(x - e[None, :], 0, None)).sum(1)
        np.testing.assert_allclose(_covered(edges, s, e), np.diff(total), atol=1e-9)
    # one interval covering the whole range: every bin fully covered, equal values
    cover = _covered(np.linspace(0.0, 240.0, 401), np.array([-1.0]), np.array([300.0]))
    assert np.ptp(cover) < 1e-12
