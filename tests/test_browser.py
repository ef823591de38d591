"""The HTML pages chartkit writes, opened in a real headless Chromium.

The gallery's and ``plot-logs``' ``index.html``: every image loads, the console stays clean,
and nothing from log contents executes (run, metric and folder names holding ``<script>``
and ``"onerror=`` are escaped). A screenshot of each page is kept under
``build/screenshots/`` (a CI artifact). Chromium is Debian's ``chromium`` package: the
fixture installs it with apt-get when it is missing and the tests run as root (as in CI);
elsewhere the tests are skipped with the reason.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "build" / "screenshots"
HOSTILE = '<script>window.__pwned=1</script>"onerror=window.__pwned=1 x="'
FOLDER = '<img src=x onerror="window.__pwned=1">'  # no slash: a valid folder name

pytestmark = pytest.mark.slow


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def browser():
    exe = _chromium()
    if exe is None and shutil.which("apt-get") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
            subprocess.run(cmd, env=env, capture_output=True, timeout=900, check=False)
        exe = _chromium()
    if exe is None:
        pytest.skip("Debian's chromium is not installed and cannot be installed here")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=exe,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


def _open(browser, index: Path, shot: str) -> dict:
    """Load *index*, return console errors, dialogs, image states; keep a screenshot."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors: list[str] = []
    dialogs: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(index.as_uri())
    page.wait_for_load_state("load")
    images = page.evaluate(
        "Array.from(document.images).map(i => [i.getAttribute('src'), i.complete,"
        " i.naturalWidth])"
    )
    pwned = page.evaluate("window.__pwned === 1")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / shot), full_page=True)
    page.close()
    return {"errors": errors, "dialogs": dialogs, "images": images, "pwned": pwned}


def test_gallery_index_in_a_browser(browser, tmp_path):
    from chartkit import gallery

    src = tmp_path / "src"
    for topic, name in [("theme", "plot_default.py"), ("annotate", "plot_korean.py")]:
        (src / topic).mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "gallery" / topic / name, src / topic / name)
    out = tmp_path / "gallery"
    results = gallery.build(src, out, stream=io.StringIO())
    assert all(r.ok for r in results), [r.error for r in results]
    seen = _open(browser, out / "index.html", "gallery.png")
    assert seen["images"], "the page shows no image"
    assert all(ok and width > 0 for _, ok, width in seen["images"]), seen["images"]
    assert seen["errors"] == []
    text = (out / "index.html").read_text(encoding="utf-8")
    assert "``" not in text  # reST rendered, not shown raw


def test_plot_logs_index_escapes_names_from_logs(browser, tmp_path):
    from chartkit.metrics.report import plot_logs

    run = tmp_path / f"run {FOLDER}"
    run.mkdir()
    rows = [
        {"step": s, "loss": 1 / s, HOSTILE: 0.5 + s / 100, "rank": 0} for s in range(1, 40)
    ]
    (run / "rank0.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "report"
    plot_logs(tmp_path, out, stream=io.StringIO())
    seen = _open(browser, out / "index.html", "plot_logs.png")
    assert not seen["pwned"], "a name from the logs executed as script"
    assert seen["dialogs"] == []
    assert seen["images"], "the report shows no chart"
    assert all(ok and width > 0 for _, ok, width in seen["images"]), seen["images"]
    assert seen["errors"] == []
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "<script>window.__pwned" not in page
    assert '"onerror=window' not in page
    assert FOLDER not in page

