"""Which hyper-parameters matter: a bar chart of `chartkit.metrics.importance.param_importance`."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np

from chartkit._figure import get_ax
from chartkit._i18n import check_lang, tr
from chartkit._validate import check_in_list
from chartkit.annotate._markup import escape_data
from chartkit.errors import DataWarning
from chartkit.metrics.importance import MIN_COMPUTE, MIN_TRIALS, param_importance
from chartkit.metrics.plots.tuning import reserve_rows, show_facts, too_few
from chartkit.metrics.tuning_tables import Kind, default_metric

__all__ = ["param_importance", "plot_importance"]


def plot_importance(
    data,
    metric: str | None = None,
    *,
    params: Sequence[str] | None = None,
    scope: Literal["last", "min", "max"] = "last",
    step: int | None = None,
    scales: Mapping[str, Kind] | None = None,
    min_trials: int = MIN_TRIALS,
    ax=None,
    title: str | None = None,
    lang: str = "en",
    text_kws: dict[str, Any] | None = None,
    **kwargs: Any,
):
    """Bar chart of `param_importance`: how much of *metric*'s spread each parameter explains.

    Each bar is labelled with its value and how it was measured (``rho`` with its sign for
    numeric parameters, ``eta^2`` and the number of groups for categorical ones).

    Parameters
    ----------
    data : RunLog or pandas.DataFrame
        A tuning log (`chartkit.metrics.readers.ray.read_ray`).
    metric : str, optional
        The metric the trials are scored by; default: ``loss`` when the log has it.
    params, scope, step, scales
        As in `param_importance`.
    min_trials : int, default: 10
        Below this many trials with a value, one `~chartkit.errors.DataWarning` is
        emitted and the axes carry a "noisy" note.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; default: the current Axes.
    title : str, optional
        A title (chartkit's title stack); the facts note then becomes its subtitle.
    lang : {"en", "ko"}, default: "en"
        Language of the words the plot writes.
    text_kws : dict, optional
        Passed to `~matplotlib.axes.Axes.text` for the bar labels.
    **kwargs
        Passed to `~matplotlib.axes.Axes.barh`.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    KeyError
        When *metric* or a name in *params* is not in the log.
    ValueError
        For a bad *scope* or *min_trials*, or a bare metrics frame.

    Warns
    -----
    DataWarning
        Fewer than *min_trials* trials with a value (fewer than 3: nothing is drawn but
        the note).
    """
    log = data
    check_in_list(["last", "min", "max"], scope=scope)
    check_lang(lang)
    metric = default_metric(log, metric)
    if not isinstance(min_trials, int) or min_trials < 1:
        from chartkit._validate import invalid_value_message

        raise ValueError(invalid_value_message(min_trials, "min_trials", expected="an int >= 1"))
    imp = param_importance(log, metric, params=params, scope=scope, step=step, scales=scales)
    n = imp.attrs["n_trials"]
    ax = get_ax(ax)
    if n < MIN_COMPUTE:
        too_few(ax, n, MIN_COMPUTE, "tuning.what.importance", lang)
        return ax
    if n < min_trials:
        warnings.warn(
            f"importance of {metric!r} from {n} trials (fewer than min_trials={min_trials}) "
            "is dominated by noise.",
            DataWarning,
            stacklevel=2,
        )
    shown = imp[np.isfinite(imp["importance"].to_numpy(dtype=float))]
    ys = np.arange(len(shown))[::-1]
    style = {"color": "C0", "height": 0.6, **kwargs}
    ax.barh(ys, shown["importance"].to_numpy(dtype=float), **style)
    tstyle = {"fontsize": "small", "va": "center", "ha": "left", "color": "0.2"}
    tstyle.update(text_kws or {})
    for y, (_, r) in zip(ys, shown.iterrows(), strict=True):
        if r["measure"] == "rho^2":
            how = f"\u03c1 = {r['rho']:+.2f}".replace("-", "\u2212")
        else:
            how = tr("tuning.importance.groups", lang, n=r["n_groups"])
        ax.text(r["importance"], y, f"  {r['importance']:.2f} ({how})", **tstyle)
    ax.set_yticks(ys, [escape_data(p) for p in shown["param"]])
    ax.set_xlim(0, 1.25 if len(shown) else 1)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.set_xlabel(escape_data(tr("tuning.importance.xlabel", lang, metric=metric)))
    scope_text = imp.attrs.get("scope", scope)
    if scope_text in ("last", "min", "max"):
        scope_text = tr(f"tuning.scope.{scope_text}", lang)
    else:
        scope_text = tr("tuning.scope.step", lang, step=step)
    facts = tr("tuning.importance.note", lang, scope=scope_text, n=n)
    if n < min_trials:
        facts += "\n" + tr("tuning.importance.noisy", lang, n=n)
    if title is None:  # room under the last bar for the note, so it covers no label
        reserve_rows(ax, facts, len(shown))
    show_facts(ax, facts, title, loc="lower right")
    return ax
