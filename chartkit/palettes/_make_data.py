"""Regenerate ``_data.py``: ``python -m chartkit.palettes._make_data``.

Writes the named sets with their measured metadata and the CAM02-UCS maps as hex lists, so
``import chartkit`` registers them without running any colour science. Run ``ruff format``
on the result; tests/test_palettes_data.py fails if the file and this recipe disagree.
"""

import pprint
from pathlib import Path

from matplotlib.colors import ListedColormap

from chartkit.palettes._color import to_hex_list
from chartkit.palettes.builders import diverging_rgb, sequential_rgb
from chartkit.palettes.checks import check_cmap, check_palette
from chartkit.palettes.generator import generate

SETS = {
    "okabe_ito": (
        ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"],
        "Okabe & Ito (2008), Color Universal Design",
    ),
    "tol_bright": (
        ["#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377", "#BBBBBB"],
        "Paul Tol (2021), bright",
    ),
    "tol_high_contrast": (["#004488", "#DDAA33", "#BB5566"], "Paul Tol (2021), high-contrast"),
    "tol_vibrant": (
        ["#EE7733", "#0077BB", "#33BBEE", "#EE3377", "#CC3311", "#009988", "#BBBBBB"],
        "Paul Tol (2021), vibrant",
    ),
    "tol_muted": (
        [
            "#CC6677",
            "#332288",
            "#DDCC77",
            "#117733",
            "#88CCEE",
            "#882255",
            "#44AA99",
            "#999933",
            "#AA4499",
        ],
        "Paul Tol (2021), muted",
    ),
    "tol_light": (
        [
            "#77AADD",
            "#EE8866",
            "#EEDD88",
            "#FFAABB",
            "#99DDFF",
            "#44BB99",
            "#BBCC33",
            "#AAAA00",
            "#DDDDDD",
        ],
        "Paul Tol (2021), light",
    ),
    "petroff6": (
        ["#5790fc", "#f89c20", "#e42536", "#964a8b", "#9c9ca1", "#7a21dd"],
        "Petroff (2024), 6 colours (as in matplotlib)",
    ),
    "petroff8": (
        ["#1845fb", "#ff5e02", "#c91f16", "#c849a9", "#adad7d", "#86c8dd", "#578dff", "#656364"],
        "Petroff (2024), 8 colours (as in matplotlib)",
    ),
    "petroff10": (
        [
            "#3f90da",
            "#ffa90e",
            "#bd1f01",
            "#94a4a2",
            "#832db6",
            "#a96b59",
            "#e76300",
            "#b9ac70",
            "#717581",
            "#92dadd",
        ],
        "Petroff (2024), 10 colours (as in matplotlib)",
    ),
    "tab10": (
        [
            "#1f77b4",
            "#ff7f0e",
            "#2ca02c",
            "#d62728",
            "#9467bd",
            "#8c564b",
            "#e377c2",
            "#7f7f7f",
            "#bcbd22",
            "#17becf",
        ],
        "matplotlib tab10 (Tableau 10)",
    ),
    "deep": (
        [
            "#4C72B0",
            "#DD8452",
            "#55A868",
            "#C44E52",
            "#8172B3",
            "#937860",
            "#DA8BC3",
            "#8C8C8C",
            "#CCB974",
            "#64B5CD",
        ],
        "seaborn deep",
    ),
    "colorblind": (
        [
            "#0173B2",
            "#DE8F05",
            "#029E73",
            "#D55E00",
            "#CC78BC",
            "#CA9161",
            "#FBAFE4",
            "#949494",
            "#ECE133",
            "#56B4E9",
        ],
        "seaborn colorblind",
    ),
}


def main() -> None:
    SETS["chartkit10"] = (generate(10), "chartkit.palettes.generate(10)")

    MAPS = {
        "blues": ("sequential", ("#0072B2",), {}),
        "greens": ("sequential", ("#009E73",), {}),
        "oranges": ("sequential", ("#D55E00",), {}),
        "purples": ("sequential", ("#CC79A7",), {}),
        "blue_orange": ("diverging", ("#0072B2", "#D55E00"), {}),
        "purple_green": ("diverging", ("#CC79A7", "#009E73"), {}),
    }

    out = [
        '"""Named palettes and colormaps as plain data, with their measured metadata.',
        "",
        "Written by the builders and `check_palette`/`check_cmap`; tests/test_palettes_data.py",
        "recomputes every number and every map so this file cannot drift. Metrics: CAM02-UCS ΔE,",
        "normal vision and Machado (2009) protan/deutan/tritan at severity 100, unclipped",
        "(min_delta_e_cvd) and clipped to sRGB as a CVD preview shows them",
        "(min_delta_e_cvd_clipped).",
        '"""',
        "",
        "from __future__ import annotations",
        "",
    ]
    pal = {}
    for name, (cols, source) in SETS.items():
        r = check_palette(cols)
        pal[name] = {
            "colors": [c.lower() for c in cols],
            "source": source,
            "min_delta_e_normal": round(r.min_delta_e_normal, 1),
            "min_delta_e_cvd": round(r.min_delta_e_cvd, 1),
            "min_delta_e_cvd_clipped": round(r.min_delta_e_cvd_clipped, 1),
            "worst_vision": r.worst_vision,
            "verdict": r.verdict,
        }
    maps = {}
    for name, (builder, args, kwargs) in MAPS.items():
        rgb = (sequential_rgb if builder == "sequential" else diverging_rgb)(*args, **kwargs)
        hexes = to_hex_list(rgb)
        r = check_cmap(ListedColormap(hexes, name=name))
        maps[name] = {
            "kind": builder,
            "builder_args": list(args),
            "source": f"chartkit.palettes.{builder}",
            "verdict": r.verdict,
            "reversal": round(r.reversal, 2),
            "colors": hexes,
        }
    out.append("PALETTES: dict[str, dict] = " + pprint.pformat(pal, width=95, sort_dicts=False))
    out.append("")
    out.append("# Sequential and diverging maps built in CAM02-UCS (256 colours each).")
    out.append("# fmt: off")
    out.append(
        "MAPS: dict[str, dict] = " + pprint.pformat(maps, width=95, sort_dicts=False, compact=True)
    )
    out.append("# fmt: on")
    Path(__file__).with_name("_data.py").open("w").write("\n".join(out) + "\n")
    for k, v in pal.items():
        print(
            k,
            v["min_delta_e_normal"],
            v["min_delta_e_cvd"],
            v["min_delta_e_cvd_clipped"],
            v["verdict"],
            v["worst_vision"],
        )
    for k, v in maps.items():
        print(k, v["verdict"], v["reversal"])


if __name__ == "__main__":
    main()
