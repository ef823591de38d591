"""audit_image on rendered PNGs, the side-by-side preview and ``chartkit audit``."""

from __future__ import annotations

import json

import matplotlib.pyplot as plt
import numpy as np
import pytest

from chartkit.audit import audit_image, cvd_preview
from chartkit.cli import main


def _chart(path, c1, c2):
    fig, ax = plt.subplots(figsize=(4, 3), dpi=100)
    x = np.linspace(0, 10, 100)
    ax.plot(x, np.sin(x), color=c1, lw=2)
    ax.plot(x, np.cos(x), color=c2, lw=2)
    fig.savefig(path)
    plt.close(fig)
    return path


@pytest.fixture
def bad_png(tmp_path):
    return _chart(tmp_path / "bad.png", "#d62728", "#2ca02c")


@pytest.fixture
def good_png(tmp_path):
    return _chart(tmp_path / "good.png", "#0072B2", "#E69F00")


def test_red_green_collapse(bad_png):
    report = audit_image(bad_png)
    (f,) = report.findings
    assert f.kind == "cvd-confusable"
    assert f.values["colors"] == ["#d62728", "#2ca02c"]
    assert f.values["vision"] == "deuteranomaly-100"
    assert f.values["delta_e"] < 9 < f.values["delta_e_normal"]
    assert report.subject == "bad.png"
    assert report.notes[0].startswith("2 mark colours found: #d62728")


def test_safe_pair_and_greys_pass(good_png):
    report = audit_image(good_png)
    assert report.ok, str(report)
    assert report.notes == ["2 mark colours found: #0072b2 (1.0 %), #e69f00 (1.0 %)"]


def test_array_input_and_alpha():
    img = np.full((40, 60, 4), 255, dtype=np.uint8)
    img[5:20, :, :3] = (214, 39, 40)
    img[20:35, :, :3] = (44, 160, 44)
    img[35:, :, 3] = 0  # transparent: white
    report = audit_image(img)
    assert report.kinds == ["cvd-confusable"]
    assert report.subject == "array 60x40"


def test_preview_written(bad_png, tmp_path):
    out = tmp_path / "preview.png"
    report = audit_image(bad_png, preview=out)
    assert report.notes[-1] == f"preview written to {out}"
    shown = plt.imread(out)
    assert shown.shape[1] > 4 * shown.shape[0]  # five panels side by side


@pytest.mark.mpl_image_compare
def test_preview_panels():
    img = np.full((60, 100, 3), 255, dtype=np.uint8)
    for k, c in enumerate([(214, 39, 40), (44, 160, 44), (0, 114, 178), (230, 159, 0)]):
        img[8 + 12 * k : 16 + 12 * k, 10:90] = c
    return cvd_preview(img, panel_width=2.0)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"^image file not found: '.*nope\.png'$"):
        audit_image(tmp_path / "nope.png")


def test_not_an_image(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("not a picture", encoding="utf-8")
    msg = r"^'.*notes\.png' is not a valid value for image; expected an image file that can"
    with pytest.raises(ValueError, match=msg):
        audit_image(path)


def test_bad_array():
    with pytest.raises(ValueError, match=r"dtype float64 and shape \(4, 4\)' is not a valid"):
        audit_image(np.zeros((4, 4)))


def test_bad_severity(bad_png):
    with pytest.raises(ValueError, match=r"^-1 is not a valid value for severity"):
        audit_image(bad_png, severity=-1)


# -- command line -----------------------------------------------------------------------
def test_cli_json_and_preview(bad_png, tmp_path, capsys):
    out = tmp_path / "p.png"
    assert main(["audit", str(bad_png), "--json", "--preview", str(out)]) == 1
    d = json.loads(capsys.readouterr().out)
    assert d["ok"] is False
    assert d["findings"][0]["values"]["vision"] == "deuteranomaly-100"
    assert out.stat().st_size > 1000


def test_cli_text_ok(good_png, capsys):
    assert main(["audit", str(good_png)]) == 0
    assert capsys.readouterr().out.startswith("audit of good.png: OK (no findings)")


def test_cli_errors(tmp_path, capsys):
    assert main(["audit", str(tmp_path / "nope.png")]) == 2
    assert "chartkit audit: error: image file not found" in capsys.readouterr().err


def test_preview_into_a_themed_pyplot_figure():
    import chartkit

    img = np.full((30, 50, 3), 255, dtype=np.uint8)
    with chartkit.theme("default"):  # constrained layout on: the panels must not warn
        fig = plt.figure()
        out = cvd_preview(img, panel_width=2.0, fig=fig)
        fig.canvas.draw()
    assert out is fig
    assert [ax.get_title(loc="left") or ax.get_title() for ax in fig.axes] == [
        "normal",
        "deuteranomaly 100",
        "protanomaly 100",
        "tritanomaly 100",
        "grayscale",
    ]
    assert tuple(fig.get_size_inches()) == pytest.approx((10.0, 1.2 + 0.45))


def test_big_images_are_subsampled_and_bombs_refused(tmp_path, monkeypatch):
    """Memory stays bounded (issue 17): subsample past MAX_PIXELS, refuse Pillow's bombs."""
    import PIL.Image

    import chartkit.audit.image as image_mod

    arr = np.full((100, 120, 3), 255, np.uint8)
    arr[:50, :, :2] = 0  # a blue and a white half: two exact colours
    path = tmp_path / "big.png"
    PIL.Image.fromarray(arr).save(path)
    monkeypatch.setattr(image_mod, "MAX_PIXELS", 30 * 30)
    report = audit_image(path)
    assert "(120x100, subsampled to 32x27 for the audit)" in report.subject
    img, _ = image_mod.load_image(path)
    assert {tuple(c) for c in img.reshape(-1, 3)} == {(0, 0, 255), (255, 255, 255)}
    monkeypatch.setattr(PIL.Image, "MAX_IMAGE_PIXELS", 1000)  # bomb bound: 2,000 pixels
    with pytest.raises(ValueError, match=r"is not a valid value for image; expected an image "
                       r"file that can be read \(Image size \(12000 pixels\) exceeds limit"):
        audit_image(path)
