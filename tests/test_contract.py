"""The plot contract and the validation voice, checked over the whole package (issue 12.1, 12.5).

(a) An AST scan: no free-text ``raise ValueError(f"...")`` / ``("..." % ...)`` /
    ``("...".format(...))`` outside ``chartkit/_validate.py``: messages are built by
    `chartkit._validate` (one template, one voice).
(b) A walk over every public plotting function of ``chartkit.metrics.plots``,
    ``chartkit.palettes`` (``plot_palette``) and ``chartkit.annotate`` (where it applies):
    data first, keyword-only options, ``ax=None``; returns an Axes (or the documented object);
    draws into a given ``ax`` without making a figure; never calls ``show()``.
"""

from __future__ import annotations

import ast
import inspect
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import pytest
from matplotlib.axes import Axes

import chartkit

PACKAGE = Path(chartkit.__file__).parent

# -- (a) one validation voice -------------------------------------------------------------------

# Files allowed to build a ValueError message by hand: none (every message goes through
# chartkit._validate). Nothing may be added: a new free-text raise fails the test.
KNOWN_FREE_TEXT: dict[str, str] = {}


def _is_free_text(arg: ast.expr) -> bool:
    if isinstance(arg, ast.JoinedStr):
        return True
    if isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Mod | ast.Add):
        return any(
            isinstance(side, ast.Constant | ast.JoinedStr | ast.BinOp)
            for side in (arg.left, arg.right)
        )
    return (
        isinstance(arg, ast.Call)
        and isinstance(arg.func, ast.Attribute)
        and arg.func.attr == "format"
        and isinstance(arg.func.value, ast.Constant)
    )


def free_text_raises(source: str) -> list[int]:
    """Line numbers of ``raise ValueError(<hand-built message>)`` in *source*."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
            continue
        func = node.exc.func
        name = getattr(func, "id", None) or getattr(func, "attr", None)
        if name == "ValueError" and node.exc.args and _is_free_text(node.exc.args[0]):
            lines.append(node.lineno)
    return lines


def test_scan_finds_what_it_must():
    assert free_text_raises('raise ValueError(f"bad {x}")') == [1]
    assert free_text_raises('raise ValueError("bad %s" % x)') == [1]
    assert free_text_raises('raise ValueError("bad {}".format(x))') == [1]
    assert free_text_raises('raise ValueError("a" + f"{b}")') == [1]
    assert free_text_raises("raise ValueError(invalid_value_message(x, 'n'))") == []
    assert free_text_raises('raise TypeError(f"{x}")') == []


def test_no_free_text_value_errors_outside_validate():
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel == "_validate.py" or rel.startswith("_gallery_src/"):
            continue
        lines = free_text_raises(path.read_text(encoding="utf-8"))
        if lines and rel not in KNOWN_FREE_TEXT:
            found[rel] = lines
    assert found == {}, f"build these messages with chartkit._validate helpers: {found}"


# -- (b) the plot contract ------------------------------------------------------------------------


def _metrics():
    from chartkit import metrics

    return metrics


def _read(name):
    m = _metrics()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return m.read(m.sample_path(name))


def _trace():
    m = _metrics()
    return m.read_trace(m.sample_path("profiler_world4"))


# Function -> (positional args, keywords) on bundled sample data.
CALLS = {
    "plot_curves": lambda: ((_read("ddp_world2"), "loss"), {}),
    "plot_density": lambda: ((_read("ddp_world4"), "loss"), {}),
    "plot_rank_spread": lambda: ((_read("ddp_world4"), "loss"), {}),
    "plot_throughput": lambda: ((_read("ddp_world2"),), {"batch_size": 16}),
    "plot_scaling": lambda: (([_read("ddp_world2"), _read("ddp_world4")],), {"batch_size": 16}),
    "plot_compare": lambda: (
        (_read("compare_lr_seeds"), "loss"),
        {"by": r"lr([\d.]+)_", "seed": r"seed(\d+)"},
    ),
    "plot_gpu_heatmap": lambda: ((_read("nvidia_smi"), "utilization"), {"events": False}),
    "plot_gpu_lines": lambda: ((_read("nvidia_smi"), "utilization"), {}),
    "plot_gpu_memory": lambda: ((_read("gpu_train_steps"),), {}),
    "plot_batch_probe": lambda: ((_read("gpu_bs_probe"),), {}),
    "plot_step_breakdown": lambda: ((_trace(),), {}),
    "plot_timeline": lambda: ((_trace(),), {"steps": [4, 5]}),
    "plot_straggler": lambda: ((_trace(),), {}),
    "plot_trials": lambda: ((_read("ray_asha"), "loss"), {}),
    "plot_parallel": lambda: ((_read("ray_asha"), "loss"), {}),
    "plot_importance": lambda: ((_read("ray_asha"), "loss"), {}),
    "plot_rungs": lambda: ((_read("ray_asha"), "loss"), {}),
    "plot_lineage": lambda: ((_read("ray_pbt"), "lr"), {}),
    "plot_history": lambda: ((_read("ray_asha"), "loss"), {}),
    "plot_slice": lambda: ((_read("ray_asha"), "loss", "lr"), {}),
    "plot_contour": lambda: ((_read("ray_asha"), "loss"), {"x": "lr", "y": "batch_size"}),
    "plot_edf": lambda: ((_read("ray_asha"), "loss"), {}),
    "plot_palette": lambda: (("okabe_ito",), {}),
    "label_lines": lambda: ((), {}),
    "bar_labels": lambda: ((), {}),
}

# Functions not converted to the contract yet, with what fails; strict, so the list shrinks
# visibly (an xfail that passes fails the run).
NOT_YET = {}


def _plotting_functions():
    from chartkit import annotate, palettes
    from chartkit.metrics import plots

    out = {}
    for name in plots.__all__:
        if name.startswith("plot_"):
            out[name] = getattr(plots, name)
    out["plot_palette"] = palettes.plot_palette
    out["label_lines"] = annotate.label_lines
    out["bar_labels"] = annotate.bar_labels
    return out


FUNCTIONS = _plotting_functions()


def _param(name):
    marks = [pytest.mark.xfail(strict=True, reason=NOT_YET[name])] if name in NOT_YET else []
    return pytest.param(name, marks=marks, id=name)


def test_every_plotting_function_is_walked():
    assert sorted(FUNCTIONS) == sorted(CALLS), "add the new plotting function to CALLS"


@pytest.mark.parametrize("name", [_param(n) for n in sorted(FUNCTIONS)])
def test_signature(name):
    sig = inspect.signature(FUNCTIONS[name])
    params = list(sig.parameters.values())
    if name in ("label_lines",):  # annotates what is on the Axes: no data argument
        first_options = params
    else:
        assert params[0].kind in (params[0].POSITIONAL_ONLY, params[0].POSITIONAL_OR_KEYWORD)
        first_options = params[1:]
    allowed_positional = {"metric", "metrics", "fmt", "param", "lines", "names"}
    for p in first_options:
        if p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
            continue
        if p.kind is not p.KEYWORD_ONLY:
            assert p.name in allowed_positional, f"{p.name} must be keyword-only"
    assert "ax" in sig.parameters, "ax= is missing"
    assert sig.parameters["ax"].default is None
    assert sig.parameters["ax"].kind is inspect.Parameter.KEYWORD_ONLY


def _call(name, ax):
    func = FUNCTIONS[name]
    args, kwargs = CALLS[name]()
    if name == "label_lines":
        ax.plot([0, 1], [0, 1], label="a")
        ax.plot([0, 1], [1, 0], label="b")
    if name == "bar_labels":
        args = (ax.bar([0, 1], [1, 2]),)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func(*args, ax=ax, **kwargs)


@pytest.mark.parametrize("name", [_param(n) for n in sorted(FUNCTIONS)])
def test_honours_ax_makes_no_figure_never_shows(name, monkeypatch):
    def no_show(*args, **kwargs):
        raise AssertionError(f"{name} called show()")

    monkeypatch.setattr(plt, "show", no_show)
    fig, ax = plt.subplots()
    before = plt.get_fignums()
    out = _call(name, ax)
    assert plt.get_fignums() == before, f"{name} made a figure although ax was given"
    if name in ("bar_labels", "label_lines"):  # documented: the label artists / Placement
        assert out is not None
    else:
        assert out is ax, f"{name} returned {type(out).__name__}, not the given Axes"
    assert (
        ax.has_data()
        or ax.texts
        or ax.images
        or ax.collections
        or ax.child_axes
        or any(a.figure is fig for a in fig.axes if a is not ax)
    ), f"{name} drew nothing into the given Axes"


@pytest.mark.parametrize(
    "name", [_param(n) for n in sorted(FUNCTIONS) if n not in ("bar_labels", "label_lines")]
)
def test_ax_none_uses_the_current_axes(name, monkeypatch):
    monkeypatch.setattr(plt, "show", lambda *a, **k: None)
    _fig, (_left, right) = plt.subplots(1, 2)
    plt.sca(right)
    before = plt.get_fignums()
    func = FUNCTIONS[name]
    args, kwargs = CALLS[name]()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = func(*args, **kwargs)
    assert plt.get_fignums() == before
    assert isinstance(out, Axes)
    assert out is right
