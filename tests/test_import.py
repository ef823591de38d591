"""`import chartkit` changes nothing global and stays light (run in fresh interpreters)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

PROBE = textwrap.dedent(
    """
    import json, sys, warnings
    import matplotlib as mpl
    from matplotlib import colormaps
    # dict.items reads the raw values: RcParams.__getitem__("backend") would resolve the
    # auto backend and import pyplot itself.
    rc_before = {k: repr(v) for k, v in dict.items(mpl.rcParams)}
    filters_before = list(warnings.filters)
    cmaps_before = set(colormaps)
    ttf_before = None
    if "matplotlib.font_manager" in sys.modules:
        ttf_before = len(sys.modules["matplotlib.font_manager"].fontManager.ttflist)

    import chartkit

    rc_after = {k: repr(v) for k, v in dict.items(mpl.rcParams)}
    fm = sys.modules.get("matplotlib.font_manager")
    print(json.dumps({
        "rc_changed": sorted(k for k in rc_before if rc_before[k] != rc_after.get(k)),
        "filters_changed": warnings.filters != filters_before,
        "new_cmaps": sorted(set(colormaps) - cmaps_before),
        "lost_cmaps": sorted(cmaps_before - set(colormaps)),
        "font_manager_imported": fm is not None and ttf_before is None,
        "ttf_changed": fm is not None and ttf_before is not None
                       and len(fm.fontManager.ttflist) != ttf_before,
        "heavy": [m for m in ("matplotlib.pyplot", "pandas", "colorspacious")
                  if m in sys.modules],
        "backend_raw": dict.__getitem__(mpl.rcParams, "backend") is
                       mpl.rcsetup._auto_backend_sentinel,
    }))
    """
)


def _probe(env_backend: str | None) -> dict:
    import os

    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    if env_backend is not None:
        env["MPLBACKEND"] = env_backend
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_changes_nothing_global():
    result = _probe(env_backend=None)
    assert result["rc_changed"] == []
    assert result["filters_changed"] is False
    assert result["lost_cmaps"] == []
    assert all(name.startswith("chartkit.") for name in result["new_cmaps"])
    assert result["font_manager_imported"] is False
    assert result["ttf_changed"] is False
    # The backend stays unresolved: nothing chose one.
    assert result["backend_raw"] is True


def test_import_is_light():
    assert _probe(env_backend=None)["heavy"] == []


def test_import_keeps_an_explicit_backend():
    result = _probe(env_backend="svg")
    assert result["rc_changed"] == []
    assert result["heavy"] == []


def test_probe_detects_a_change():
    # The probe itself must be able to fail: a module that changes rcParams at import is caught.
    code = PROBE.replace("import chartkit", "mpl.rcParams['lines.linewidth'] = 7; import pandas")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["rc_changed"] == ["lines.linewidth"]
    assert "pandas" in result["heavy"]


def test_subpackages_load_lazily():
    code = (
        "import sys, chartkit; assert 'chartkit.annotate' not in sys.modules;"
        "chartkit.annotate; assert 'chartkit.annotate' in sys.modules; print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ok"


def test_unknown_attribute():
    import pytest

    import chartkit

    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        chartkit.nope  # noqa: B018
