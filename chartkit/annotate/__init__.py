"""Text layers: fonts, titles, rich text, contrast, glyph checks, direct labels, placement."""

from chartkit.annotate._markup import escape_data
from chartkit.annotate.contrast import (
    bar_labels,
    contrast_ratio,
    heatmap_labels,
    relative_luminance,
    series_text_color,
    text_color_for,
)
from chartkit.annotate.fonts import (
    HANGUL_FAMILIES,
    bundled_font_paths,
    covers,
    font_family,
    korean_font,
    register_bundled_fonts,
)
from chartkit.annotate.glyphs import check_glyphs
from chartkit.annotate.lines import label_lines
from chartkit.annotate.placement import Placement, label_points
from chartkit.annotate.richtext import RichText, parse_markup, rich_text, series_colors
from chartkit.annotate.tags import panel_tags
from chartkit.annotate.titles import TitleStack, abc, titles

__all__ = [
    "HANGUL_FAMILIES",
    "Placement",
    "RichText",
    "TitleStack",
    "abc",
    "bar_labels",
    "bundled_font_paths",
    "check_glyphs",
    "contrast_ratio",
    "covers",
    "escape_data",
    "font_family",
    "heatmap_labels",
    "korean_font",
    "label_lines",
    "label_points",
    "panel_tags",
    "parse_markup",
    "register_bundled_fonts",
    "relative_luminance",
    "rich_text",
    "series_colors",
    "series_text_color",
    "text_color_for",
    "titles",
]
