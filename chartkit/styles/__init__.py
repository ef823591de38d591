"""chartkit's styles as matplotlib style files.

Use them with ``plt.style.use("chartkit.styles.default")`` or, better, through
``with chartkit.theme("default"):``. Importing this package (which matplotlib does to find
the ``.mplstyle`` file) adds chartkit's bundled Korean font to matplotlib's font manager, so
the ``font.family`` fallback list in the files resolves; ``import chartkit`` alone does not.
"""

from chartkit.annotate.fonts import register_bundled_fonts

register_bundled_fonts()
