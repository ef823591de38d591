"""Every gallery script runs, and the builder reports failures clearly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from chartkit import gallery
from chartkit.cli import main

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted((ROOT / "gallery").rglob("plot_*.py"))


def test_gallery_has_examples():
    assert any(p.parent.name == "theme" for p in SCRIPTS)


@pytest.mark.slow
@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_gallery_script_runs(script, tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "chartkit._gallery_run", str(script), str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        env={**__import__("os").environ, "MPLBACKEND": "agg"},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    pngs = list(tmp_path.glob("*.png"))
    assert pngs, "the script made no figure"
    assert all(p.stat().st_size > 1000 for p in pngs)
    assert "missing from font" not in proc.stderr
    # Every shipped example passes the accessibility audit (chartkit.audit.check_figure).
    audit = __import__("json").loads(proc.stdout.strip().splitlines()[-1])["audit"]
    assert set(audit) == {p.name for p in pngs}
    findings = [
        f"{name}: {f['kind']}: {f['message']}" for name, v in audit.items() for f in v["findings"]
    ]
    assert not findings, "\n".join(findings)


def test_docstring_title_and_description():
    examples = gallery.find_examples(ROOT / "gallery")
    default = next(e for e in examples if e.path.name == "plot_default.py")
    assert default.topic == "theme"
    assert default.title == "Default theme: Latin and Korean text"
    assert default.description.startswith("``chartkit.theme()`` styles")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.mark.slow
def test_build_continues_after_failure(tmp_path, capsys):
    src = tmp_path / "src"
    _write(
        src / "basics" / "plot_good.py",
        '"""\nGood one\n========\n\nDraws a line.\n"""\n'
        "import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()\n",
    )
    _write(src / "basics" / "plot_bad.py", '"""Bad one."""\nraise RuntimeError("boom 42")\n')
    _write(
        src / "other" / "plot_later.py",
        '"""Later."""\nimport matplotlib.pyplot as plt\nplt.figure()\n',
    )
    code = main(["gallery", "--src", str(src), "--out", str(tmp_path / "out"), "--jobs", "2"])
    out = capsys.readouterr()
    assert code == 1
    assert "2 of 3 examples built" in out.out
    assert "FAILED basics/plot_bad.py" in out.out
    assert "RuntimeError: boom 42" in out.out
    assert "1 example(s) failed: plot_bad.py" in out.err
    assert (tmp_path / "out" / "basics" / "plot_good.png").exists()
    assert (tmp_path / "out" / "other" / "plot_later.png").exists()
    index = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "Good one" in index
    assert "Draws a line." in index
    assert "FAILED" in index


@pytest.mark.slow
def test_python_dash_m_and_no_figure(tmp_path):
    src = tmp_path / "src"
    _write(src / "t" / "plot_empty.py", '"""Nothing drawn."""\nx = 1\n')
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "chartkit",
            "gallery",
            "--src",
            str(src),
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert "the script made no figure" in proc.stdout


def test_missing_source(tmp_path, capsys):
    assert main(["gallery", "--src", str(tmp_path / "nope"), "--out", str(tmp_path)]) == 2
    assert "is not a directory" in capsys.readouterr().err


def test_bad_jobs(tmp_path, capsys):
    assert main(["gallery", "--out", str(tmp_path), "--jobs", "0"]) == 2
    assert "0 is not a valid value for jobs" in capsys.readouterr().err


@pytest.mark.slow
def test_build_audits_every_figure(tmp_path, capsys):
    src = tmp_path / "src"
    _write(
        src / "a" / "plot_clean.py",
        '"""\nClean\n=====\n\nTwo safe colours.\n"""\n'
        "import matplotlib.pyplot as plt\n"
        "plt.plot([0, 1], color='#0072B2')\nplt.plot([1, 0], color='#E69F00')\nplt.show()\n",
    )
    _write(
        src / "a" / "plot_tiny.py",
        '"""\nTiny ticks\n==========\n\n5-pt tick labels.\n"""\n'
        "import matplotlib.pyplot as plt\n"
        "plt.plot([0, 1])\nplt.tick_params(labelsize=5)\nplt.show()\n",
    )
    code = main(["gallery", "--src", str(src), "--out", str(tmp_path / "out"), "--jobs", "2"])
    out = capsys.readouterr()
    assert code == 1
    assert "1 example(s) failed: plot_tiny.py" in out.err
    assert "ok   a/plot_clean.py" in out.out
    assert "audit ok)" in out.out
    assert "FAIL a/plot_tiny.py" in out.out
    assert "audit: 1 finding)" in out.out
    assert "plot_tiny.png: small-text [axes 0]:" in out.out
    assert (tmp_path / "out" / "a" / "plot_tiny.png").exists()  # the image is still written
    index = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "audit: ok (1 figure, no finding)" in index
    assert "small-text [axes 0]" in index
    assert "1 pass the accessibility audit" in index


def test_runner_prints_the_audit_verdict(tmp_path):
    script = tmp_path / "plot_x.py"
    _write(script, "import matplotlib.pyplot as plt\nplt.plot([0, 1])\nplt.title('손실')\n")
    proc = subprocess.run(
        [sys.executable, "-m", "chartkit._gallery_run", str(script), str(tmp_path / "o")],
        capture_output=True,
        text=True,
        check=True,
        env={**__import__("os").environ, "MPLBACKEND": "agg"},
    )
    verdict = __import__("json").loads(proc.stdout.strip().splitlines()[-1])["audit"]["plot_x.png"]
    assert verdict["ok"] is False
    assert [f["kind"] for f in verdict["findings"]] == ["missing-glyph"]


def test_descriptions_render_rst_as_html_and_escape_markup():
    from chartkit.gallery import rst_inline_html

    out = rst_inline_html("``chartkit.theme()`` styles *only* <script>x</script> \"onerror=")
    assert '<span class="docutils literal">chartkit.theme()</span>' in out
    assert "<em>only</em>" in out
    assert "``" not in out
    assert "<script>" not in out
    assert "&lt;script&gt;" in out
    # raw HTML directives are disabled: nothing of them reaches the page
    assert "<script>" not in rst_inline_html(".. raw:: html\n\n   <script>x</script>")
