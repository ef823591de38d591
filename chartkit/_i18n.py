"""One message catalogue for every text chartkit writes into a chart or report.

Titles, axis labels, legend entries, notes and the ``plot-logs`` report page take their
words from `CATALOGUE`, in English (``"en"``) or Korean (``"ko"``), chosen by the ``lang=``
argument of the function that draws them (``--lang`` in the CLI). Data (metric, run, trial
and parameter names) is never translated.

Keys are grouped by the module that uses them (``"curves.note.nan"``); each entry maps every
language of `LANGS` to a `str.format` template. ``tests/test_i18n.py`` checks that every key
has every language and that both templates take the same fields.

Only the standard library is imported here.
"""

from __future__ import annotations

import string
from typing import Any, Literal

__all__ = ["CATALOGUE", "LANGS", "Lang", "check_lang", "fields_of", "join_title", "tr"]

Lang = Literal["en", "ko"]

#: Languages every entry of `CATALOGUE` has.
LANGS: tuple[str, ...] = ("en", "ko")

#: key -> {lang: template}. Add keys in the section of the module that uses them.
CATALOGUE: dict[str, dict[str, str]] = {
    # --- shared words -------------------------------------------------------------------
    "word.step": {"en": "step", "ko": "스텝"},
    "word.rank": {"en": "rank", "ko": "rank"},
    "word.trial": {"en": "trial", "ko": "시행"},
    "word.run": {"en": "run", "ko": "실행"},
    "word.value": {"en": "value", "ko": "값"},
    "word.time_s": {"en": "time (s)", "ko": "시간 (초)"},
    "word.wall_time": {"en": "wall time", "ko": "벽시계 시간"},
    "word.relative_time": {"en": "relative time", "ko": "상대 시간"},
    "word.no_data": {"en": "no data", "ko": "데이터 없음"},
    # --- report (chartkit.metrics.report) -----------------------------------------------
    # --- curves / ranks / throughput ----------------------------------------------------
    "curves.xlabel.samples": {"en": "samples (per rank)", "ko": "샘플 수 (rank당)"},
    "curves.note.nonfinite": {
        "en": "{series}: {kind} from step {step}",
        "ko": "{series}: 스텝 {step}부터 {kind}",
    },
    "curves.note.diverged": {
        "en": "{series}: diverged at step {step}",
        "ko": "{series}: 스텝 {step}에서 발산",
    },
    "curves.note.offscale": {
        "en": "{n} off scale, extreme {value} at step {step}",
        "ko": "범위 밖 {n}개, 극값 {value} (스텝 {step})",
    },
    "curves.note.ended_early": {
        "en": "{series}: log ends at step {step} (others reach {last})",
        "ko": "{series}: 로그가 스텝 {step}에서 끝남 (나머지는 {last}까지)",
    },
    "curves.note.cut_line": {
        "en": "cut last line dropped: {file} line {line}",
        "ko": "잘린 마지막 줄 제외: {file} {line}행",
    },
    "curves.note.no_finite": {"en": "no finite values", "ko": "유한한 값 없음"},
    "curves.note.not_smoothed": {"en": "not smoothed ({kind})", "ko": "평활화 안 함 ({kind})"},
    "curves.note.no_batch": {
        "en": "samples need the batch size: pass batch_size= (CLI --batch-size)",
        "ko": "샘플 수에는 배치 크기가 필요: batch_size= (CLI --batch-size)로 지정",
    },
    "curves.note.no_wall_time": {
        "en": "x: steps (the log has no wall times)",
        "ko": "x축: 스텝 (로그에 시각 없음)",
    },
    "curves.xlabel.relative": {"en": "time since start ({unit})", "ko": "시작 후 시간 ({unit})"},
    "curves.unit.s": {"en": "s", "ko": "초"},
    "curves.unit.min": {"en": "min", "ko": "분"},
    "curves.unit.h": {"en": "h", "ko": "시간"},
    "curves.kind.schedule": {"en": "schedule", "ko": "스케줄"},
    "curves.kind.counter": {"en": "counter", "ko": "카운터"},
    "curves.legend.ema": {"en": "EMA {weight}", "ko": "EMA {weight}"},
    "curves.legend.ema_steps": {"en": "EMA {weight} (per step)", "ko": "EMA {weight} (스텝 기준)"},
    "ranks.band.minmax": {"en": "min–max", "ko": "최소–최대"},
    "ranks.band.iqr": {"en": "IQR", "ko": "사분위 범위"},
    "ranks.legend.band": {"en": "{what} of ranks", "ko": "rank별 {what}"},
    "ranks.legend.band_others": {"en": "{what} of the other ranks", "ko": "나머지 rank의 {what}"},
    "ranks.legend.median": {"en": "median of {n} ranks", "ko": "rank {n}개의 중앙값"},
    "ranks.label.straggler": {"en": "rank {rank} (straggler)", "ko": "rank {rank} (뒤처짐)"},
    "ranks.note.no_common_step": {
        "en": "no step common to all ranks",
        "ko": "모든 rank에 공통인 스텝 없음",
    },
    "throughput.legend.logged": {
        "en": "rank {rank}, logged {metric} (EMA 0.95)",
        "ko": "rank {rank}, 기록된 {metric} (EMA 0.95)",
    },
    "throughput.legend.wall": {
        "en": "rank {rank}, from wall time ({window}-step windows)",
        "ko": "rank {rank}, 벽시계 시간 기준 ({window}스텝 구간)",
    },
    "throughput.legend.total_wall": {
        "en": "total, from wall time",
        "ko": "합계, 벽시계 시간 기준",
    },
    "throughput.note.total_wall": {
        "en": "total {rate} samples/s from wall time ({batch} samples/step/rank: {source})",
        "ko": "합계 {rate} 샘플/초, 벽시계 시간 기준 (rank·스텝당 {batch} 샘플: {source})",
    },
    "throughput.note.total_logged": {
        "en": "total {rate} samples/s from the mean of logged rates",
        "ko": "합계 {rate} 샘플/초, 기록된 속도의 평균 기준",
    },
    "throughput.note.ratio": {
        "en": "logged / wall time = {ratio}x",
        "ko": "기록값 / 벽시계 시간 = {ratio}배",
    },
    "throughput.note.no_batch": {
        "en": "from wall time: not drawn, the batch size is unknown; "
        "pass batch_size= (CLI --batch-size)",
        "ko": "벽시계 시간 기준: 배치 크기를 몰라 그리지 않음; "
        "batch_size= (CLI --batch-size)로 지정",
    },
    "throughput.note.no_wall_time": {
        "en": "from wall time: not drawn, the log has no wall times",
        "ko": "벽시계 시간 기준: 로그에 시각이 없어 그리지 않음",
    },
    "throughput.source.logged": {"en": "logged {name}", "ko": "기록된 {name}"},
    "throughput.source.config": {"en": "config {name}", "ko": "설정 {name}"},
    "throughput.source.given": {"en": "batch_size= given", "ko": "batch_size= 지정"},
    "throughput.ylabel": {"en": "samples / s", "ko": "샘플 / 초"},
    "scaling.legend.ideal": {"en": "ideal (linear)", "ko": "이상적 (선형)"},
    "scaling.legend.measured": {"en": "measured (wall time)", "ko": "측정값 (벽시계 시간)"},
    "scaling.label.point": {
        "en": "efficiency {eff}\n{rate} samples/s",
        "ko": "효율 {eff}\n{rate} 샘플/초",
    },
    "scaling.xlabel": {"en": "world size (ranks)", "ko": "world size (rank 수)"},
    "scaling.ylabel": {"en": "speed-up vs {n} rank(s)", "ko": "rank {n}개 대비 속도 향상"},
    # --- gpu / probe / roles ------------------------------------------------------------
    # --- tuning (trials, rungs, parallel, importance, lineage) -------------------------
    # --- audit --------------------------------------------------------------------------
}


def check_lang(lang: Any) -> str:
    """Return *lang* when it is one of `LANGS`, else raise chartkit's `ValueError`."""
    from chartkit._validate import check_in_list

    check_in_list(LANGS, lang=lang)
    return lang


def fields_of(template: str) -> set[str]:
    """Names of the ``{fields}`` a template takes."""
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def tr(key: str, lang: str = "en", /, **fields: Any) -> str:
    """The text of *key* in *lang*, formatted with *fields*.

    Parameters
    ----------
    key : str
        A key of `CATALOGUE`.
    lang : {"en", "ko"}, default: "en"
    **fields
        Values for the template's ``{fields}`` (data such as metric names stay as given).

    Raises
    ------
    KeyError
        An unknown *key* (a bug in chartkit, with close matches named).
    ValueError
        An unknown *lang*.
    """
    check_lang(lang)
    try:
        entry = CATALOGUE[key]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(key, CATALOGUE, n=3)
        raise KeyError(f"no message {key!r} in chartkit's catalogue; close: {close}") from None
    return entry[lang].format(**fields)


def join_title(prefix: str | None, title: str) -> str:
    """Join a user's title prefix and a chart's own title without doubled punctuation.

    ``join_title("실험 A:", "처리량")`` gives ``"실험 A: 처리량"``; ``join_title("Run 3",
    "Throughput")`` gives ``"Run 3 — Throughput"``.
    """
    if not prefix:
        return title
    p = prefix.rstrip()
    if p and p[-1] in ":：—–-|·/,;":
        return f"{p} {title}"
    return f"{p} — {title}"
