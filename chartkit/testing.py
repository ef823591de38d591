"""Test helpers for users' suites: an accessibility assertion next to the pixel comparison.

::

    import pytest
    from chartkit.testing import assert_accessible

    @pytest.mark.mpl_image_compare
    def test_loss_chart():
        fig = make_loss_chart()
        assert_accessible(fig)   # colour-blind safe, readable, no tofu, no overlaps
        return fig               # pytest-mpl compares the pixels

pyplot is never imported here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from chartkit._validate import check_in_list

__all__ = ["assert_accessible"]


def assert_accessible(
    fig: Any,
    ignore: Iterable[str] | str = (),
    **kwargs: Any,
) -> Any:
    """Assert that `chartkit.audit.check_figure` finds nothing on *fig*.

    Call it before returning the figure from a ``@pytest.mark.mpl_image_compare`` test: the
    audit draws the figure once without rendering and changes nothing on it. Its own frame
    is hidden from pytest's tracebacks (``__tracebackhide__``): a failure points at the
    test's line and prints the report.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    ignore : str or iterable of str, default: ()
        Finding kinds to accept (e.g. ``"small-text"`` for a thumbnail); see
        `chartkit.audit.KINDS`.
    **kwargs
        Passed to `chartkit.audit.check_figure` (``severity=``, ``min_size=``, ``rules=``).

    Returns
    -------
    AuditReport
        The report (with the ignored findings removed), when it is ok.

    Raises
    ------
    AssertionError
        With the readable report, when anything not ignored was found.
    TypeError, ValueError
        As `chartkit.audit.check_figure`; an unknown kind in *ignore* names the kinds.
    """
    __tracebackhide__ = True  # pytest shows the user's line and the report, not this frame
    from chartkit.audit.figure import check_figure
    from chartkit.audit.report import KINDS

    ignored = [ignore] if isinstance(ignore, str) else list(ignore)
    for k, kind in enumerate(ignored):
        check_in_list(KINDS, ignore=kind, entry=k if len(ignored) > 1 else None)
    report = check_figure(fig, **kwargs).without(ignored)
    if not report.ok:
        raise AssertionError(f"the figure is not accessible:\n{report}")
    return report
