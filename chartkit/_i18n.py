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
    "report.title.curves": {"en": "{metric}", "ko": "{metric} 곡선"},
    "report.title.rank_spread": {
        "en": "Spread across ranks: {metric}",
        "ko": "rank 간 분포: {metric}",
    },
    "report.title.throughput": {"en": "Throughput", "ko": "처리량"},
    "report.title.gpu_memory": {"en": "GPU memory per step", "ko": "스텝별 GPU 메모리"},
    "report.title.trials": {"en": "Trials: {metric}", "ko": "시행별 {metric}"},
    "report.title.rungs": {"en": "Rungs: {metric}", "ko": "단계(rung)별 {metric}"},
    "report.title.lineage": {"en": "PBT lineage: {param}", "ko": "PBT 계보: {param}"},
    "report.title.parallel": {
        "en": "Hyper-parameters and {metric}",
        "ko": "하이퍼파라미터와 {metric}",
    },
    "report.title.importance": {
        "en": "Hyper-parameter importance for {metric}",
        "ko": "{metric}에 대한 하이퍼파라미터 중요도",
    },
    "report.title.gpu_utilization": {"en": "GPU utilization", "ko": "GPU 사용률"},
    "report.title.gpu_memory_map": {"en": "GPU memory", "ko": "GPU 메모리"},
    "report.title.probe": {"en": "Batch-size probe", "ko": "배치 크기 탐색"},
    "report.title.scaling": {
        "en": "Scaling with world size",
        "ko": "GPU 수(world size)에 따른 확장성",
    },
    "report.title.step_breakdown": {"en": "Where step time went", "ko": "스텝 시간 구성"},
    "report.title.timeline": {"en": "Profiler timeline", "ko": "프로파일러 타임라인"},
    "report.title.straggler": {"en": "Waiting for the slowest rank", "ko": "가장 느린 rank 대기"},
    "report.note.no_straggler": {
        "en": "straggler chart not drawn: the trace has one rank",
        "ko": "지연 rank 차트 없음: trace에 rank가 하나뿐",
    },
    "report.title.overview": {"en": "Run overview", "ko": "실행 개요"},
    "report.title.gpu_overview": {
        "en": "GPU utilisation, memory, power, temperature, clocks",
        "ko": "GPU 사용률, 메모리, 전력, 온도, 클럭",
    },
    "report.note.smi_rest": {
        "en": "not charted (the GPU overview draws utilisation, memory used, power, "
        "temperature and clocks): {names}",
        "ko": "그리지 않음 (GPU 개요는 사용률, 사용 메모리, 전력, 온도, 클럭만 그림): {names}",
    },
    "report.page.title": {"en": "Training-log report: {path}", "ko": "학습 로그 보고서: {path}"},
    "report.page.found": {
        "en": "{n} log(s) found, {charts} chart(s) written",
        "ko": "로그 {n}개 발견, 차트 {charts}개 작성",
    },
    "report.page.recognised": {"en": "recognised: {reason}", "ko": "인식 근거: {reason}"},
    "report.page.preferred": {"en": "preferred over: {what}", "ko": "대신 읽지 않은 사본: {what}"},
    "report.page.not_read": {"en": "not read: {error}", "ko": "읽지 못함: {error}"},
    "report.page.chart_failed": {
        "en": "{title}: not drawn: {error}",
        "ko": "{title}: 그리지 못함: {error}",
    },
    "report.page.not_charted": {
        "en": "Not charted, and limits applied",
        "ko": "그리지 않은 항목과 적용한 제한",
    },
    "report.page.audit": {
        "en": "Audit findings (after layout fixes)",
        "ko": "점검 결과 (배치 수정 후)",
    },
    "report.page.fixed": {"en": "layout fixed: {what}", "ko": "배치 수정: {what}"},
    "report.page.skipped": {"en": "Files not taken ({n})", "ko": "읽지 않은 파일 ({n}개)"},
    "report.page.settings": {"en": "settings: {what}", "ko": "설정: {what}"},
    "report.note.curve_limit": {
        "en": "{shown} of {total} curves charted; pass --metric NAME for the rest: {rest}",
        "ko": "곡선 {total}개 중 {shown}개만 그림; 나머지는 --metric 이름으로 지정: {rest}",
    },
    "report.note.counters": {
        "en": "not charted (counters and bookkeeping): {names}",
        "ko": "그리지 않음 (카운터와 기록용 값): {names}",
    },
    "report.note.flat": {
        "en": "not charted (constant, or fewer than 2 finite points): {names}",
        "ko": "그리지 않음 (값이 일정하거나 유한한 점이 2개 미만): {names}",
    },
    "report.note.config": {
        "en": "not charted as curves (configuration values): {names}",
        "ko": "곡선으로 그리지 않음 (설정 값): {names}",
    },
    "report.note.absent": {
        "en": "--metric {names}: not in this log",
        "ko": "--metric {names}: 이 로그에 없음",
    },
    "report.note.no_rungs": {
        "en": "rungs not drawn: {reason}",
        "ko": "단계(rung) 차트 없음: {reason}",
    },
    "report.note.no_throughput": {
        "en": "throughput not charted: no samples/s logged and no batch size to derive it "
        "(pass --batch-size N or batch_size in chartkit.toml)",
        "ko": "처리량 차트 없음: 기록된 samples/s도, 계산에 쓸 배치 크기도 없음 "
        "(--batch-size N 또는 chartkit.toml의 batch_size로 지정)",
    },
    "report.note.no_rank_spread": {
        "en": "rank spread not charted: {metric} was logged by one rank only",
        "ko": "rank 간 분포 차트 없음: {metric}은(는) 한 rank만 기록함",
    },
    "report.note.no_params": {
        "en": "hyper-parameter charts not drawn: no configuration values vary across trials",
        "ko": "하이퍼파라미터 차트 없음: 시행마다 달라지는 설정 값이 없음",
    },
    "report.note.no_lineage": {
        "en": "PBT lineage not drawn: no exploit log (pbt_global.txt / pbt_policy_*.txt) "
        "and no config change within a trial",
        "ko": "PBT 계보 차트 없음: exploit 기록(pbt_global.txt / pbt_policy_*.txt)도, "
        "시행 안의 설정 변경도 없음",
    },
    "report.note.no_scaling": {
        "en": "scaling chart not drawn: {n} runs of different world sizes, but no batch size "
        "(pass --batch-size N or batch_size in chartkit.toml)",
        "ko": "확장성 차트 없음: world size가 다른 실행 {n}개가 있으나 배치 크기가 없음 "
        "(--batch-size N 또는 chartkit.toml의 batch_size로 지정)",
    },
    "report.note.unused_option": {
        "en": "{option} not used: no chart of this log takes it",
        "ko": "{option} 사용 안 함: 이 로그의 어느 차트도 받지 않음",
    },
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
    "ranks.note.binned": {
        "en": "{steps} steps per rank: median and band\nof the ranks' means per pixel column "
        "(~{per} steps)",
        "ko": "rank당 {steps} 스텝: 픽셀 열마다\nrank 평균의 중앙값과 범위 (열당 약 {per} 스텝)",
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
        "en": "from wall time: not drawn, the batch size is unknown;\n"
        "pass batch_size= (CLI --batch-size) or log batch_size",
        "ko": "벽시계 시간 기준: 배치 크기를 몰라 그리지 않음;\n"
        "batch_size= (CLI --batch-size)로 지정하거나 batch_size를 기록",
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
    "roles.note": {"en": "{role}: {column}", "ko": "{role}: {column}"},
    "roles.note.unit": {"en": "{role}: {column} ({unit})", "ko": "{role}: {column} ({unit})"},
    "roles.note.by_hand": {"en": ", set by hand", "ko": ", 직접 지정"},
    "roles.name.memory": {"en": "memory", "ko": "메모리"},
    "roles.name.step_time": {"en": "step time", "ko": "스텝 시간"},
    "roles.name.throughput": {"en": "throughput", "ko": "처리량"},
    "roles.name.batch_size": {"en": "batch size", "ko": "배치 크기"},
    "roles.name.status": {"en": "status", "ko": "상태"},
    "roles.name.lr": {"en": "learning rate", "ko": "학습률"},
    "roles.name.utilization": {"en": "utilization", "ko": "사용률"},
    "roles.name.power": {"en": "power", "ko": "전력"},
    "roles.name.temperature": {"en": "temperature", "ko": "온도"},
    "roles.name.clock": {"en": "clock", "ko": "클럭"},
    "roles.name.loss": {"en": "loss", "ko": "손실"},
    "roles.name.step": {"en": "step", "ko": "스텝"},
    "probe.xlabel": {"en": "batch size", "ko": "배치 크기"},
    "probe.ylabel.memory": {"en": "peak memory [MiB]", "ko": "최대 메모리 [MiB]"},
    "probe.ylabel.step_time": {"en": "step time [ms]", "ko": "스텝 시간 [ms]"},
    "probe.legend.failed": {"en": "failed (out of memory)", "ko": "실패 (메모리 부족)"},
    "probe.legend.unknown": {"en": "unknown status", "ko": "알 수 없는 상태"},
    "probe.note.oom": {
        "en": "out of memory from batch {bs} (shaded)",
        "ko": "배치 {bs}부터 메모리 부족 (음영)",
    },
    "probe.note.max_ok": {"en": "largest batch that fitted: {bs}", "ko": "들어간 최대 배치: {bs}"},
    "probe.note.none_fitted": {"en": "no batch size fitted", "ko": "들어간 배치 크기 없음"},
    "probe.note.no_oom": {
        "en": "no failure up to batch {bs}",
        "ko": "배치 {bs}까지 실패 없음",
    },
    "probe.note.unknown": {
        "en": "{n} row(s) with an unknown status: neither fit nor failure",
        "ko": "상태를 알 수 없는 행 {n}개: 성공도 실패도 아님",
    },
    "probe.allowed": {
        "en": "allowed {mib} MiB (dotted line)",
        "ko": "허용 {mib} MiB (점선)",
    },
    "gpu.xlabel.seconds": {"en": "seconds since the first sample", "ko": "첫 샘플 이후 초"},
    "gpu.label": {"en": "GPU {gpu}", "ko": "GPU {gpu}"},
    "gpu.ylabel.memory": {"en": "GPU memory [MiB]", "ko": "GPU 메모리 [MiB]"},
    "gpu.event.freed": {"en": "freed {mib} MiB", "ko": "{mib} MiB 해제"},
    "gpu.event.peak": {
        "en": "peak {peak} MiB, then freed {freed} MiB",
        "ko": "최대 {peak} MiB 후 {freed} MiB 해제",
    },
    "gpu.event.oom": {
        "en": "OOM at batch {bs} (probe): {text}",
        "ko": "배치 {bs}에서 OOM (탐색): {text}",
    },
    "gpu.note.events_hidden": {
        "en": "{n} of {total} memory-event labels not drawn (no room);\n"
        "list them with memory_events()",
        "ko": "메모리 이벤트 라벨 {total}개 중 {n}개는 자리가 없어 생략;\nmemory_events()로 확인",
    },
    "gpu.note.legend_limit": {
        "en": "legend: {shown} of {total} series; not listed:\n{rest};\n"
        "choose series with metrics=[...]",
        "ko": "범례: 계열 {total}개 중 {shown}개; 생략:\n{rest};\nmetrics=[...]로 선택",
    },
    "gpu.note.not_memory": {
        "en": "not memory levels, left out: {names};\nforce one with columns={{'memory': ...}}",
        "ko": "메모리 수준이 아니어서 제외: {names};\ncolumns={{'memory': ...}}로 지정",
    },
    "gpu.note.gpus_limit": {
        "en": "{shown} of {total} GPUs drawn; choose with gpus=[...]",
        "ko": "GPU {total}개 중 {shown}개 표시; gpus=[...]로 선택",
    },
    # --- tuning (trials, rungs, parallel, importance, lineage) -------------------------
    "tuning.too_few": {
        "en": "{what} needs at least {need} trials with a value; this log has {n}",
        "ko": "{what}에는 값이 있는 시행이 {need}개 이상 필요합니다 (이 로그: {n}개)",
    },
    "tuning.what.rungs": {"en": "A rung plot", "ko": "rung 그림"},
    "tuning.what.importance": {"en": "An importance estimate", "ko": "중요도 추정"},
    "tuning.what.parallel": {"en": "A parallel-coordinates plot", "ko": "평행 좌표 그림"},
    "tuning.not_drawn": {"en": "not drawn: {reason}", "ko": "그리지 않음: {reason}"},
    "tuning.no_finite": {"en": "no finite values", "ko": "유한한 값 없음"},
    "tuning.no_value": {"en": "no value", "ko": "값 없음"},
    "tuning.iteration": {"en": "training iteration", "ko": "학습 반복"},
    "tuning.outcome.completed": {"en": "completed (reached max_t)", "ko": "완료 (max_t 도달)"},
    "tuning.outcome.stopped": {"en": "stopped by the scheduler", "ko": "스케줄러가 중단"},
    "tuning.outcome.error": {"en": "ERROR", "ko": "오류 (ERROR)"},
    "tuning.outcome.other": {"en": "other status", "ko": "기타 상태"},
    "tuning.rungs.reached": {"en": "reached: {chain}", "ko": "도달: {chain}"},
    "tuning.rungs.args": {
        "en": "grace_period {g}, reduction_factor {rf}, max_t {mt}",
        "ko": "grace_period {g}, reduction_factor {rf}, max_t {mt}",
    },
    "tuning.rungs.from": {"en": "{kind} from {evidence}", "ko": "{kind}: {evidence}에서 확인"},
    "tuning.rungs.bracket": {"en": "bracket {s}", "ko": "브래킷 {s}"},
    "tuning.rungs.trials": {"en": "{n} trials", "ko": "시행 {n}개"},
    "tuning.best.min": {"en": "best = lowest of {scope}", "ko": "최고 = {scope} 중 가장 낮은 값"},
    "tuning.best.max": {"en": "best = highest of {scope}", "ko": "최고 = {scope} 중 가장 높은 값"},
    "tuning.scope.last": {"en": "each trial's last value", "ko": "각 시행의 마지막 값"},
    "tuning.scope.min": {"en": "each trial's minimum", "ko": "각 시행의 최솟값"},
    "tuning.scope.max": {"en": "each trial's maximum", "ko": "각 시행의 최댓값"},
    "tuning.scope.step": {"en": "the value at step {step}", "ko": "스텝 {step}의 값"},
    "tuning.mark.pbt": {"en": "◆ = PBT segment start", "ko": "◆ = PBT 구간 시작"},
    "tuning.mark.error": {"en": "X = ERROR", "ko": "X = 오류"},
    "tuning.pbt.legend": {
        "en": "PBT: new config or restored checkpoint",
        "ko": "PBT: 새 설정 또는 체크포인트 복원",
    },
    "tuning.best.label": {
        "en": "best: {trial} ({metric} {score})",
        "ko": "최고: {trial} ({metric} {score})",
    },
    "tuning.log_scale": {"en": "{name} (log scale)", "ko": "{name} (로그 척도)"},
    "tuning.log_axis": {"en": "{name} (log)", "ko": "{name} (로그)"},
    "tuning.coloured_by": {
        "en": "{n} trials coloured by {name}",
        "ko": "시행 {n}개, {name}에 따라 색칠",
    },
    "tuning.one_colour": {"en": "{n} trials, one colour each", "ko": "시행 {n}개, 시행마다 한 색"},
    "tuning.lineage.changes": {
        "en": "{n} segment starts (restored checkpoint or new config)",
        "ko": "구간 시작 {n}개 (체크포인트 복원 또는 새 설정)",
    },
    "tuning.lineage.none": {
        "en": "no trial changed its config or restored a checkpoint (no PBT)",
        "ko": "설정을 바꾸거나 체크포인트를 복원한 시행 없음 (PBT 아님)",
    },
    "tuning.lineage.replaced": {
        "en": "| = overwritten segment ({n})",
        "ko": "| = 덮어쓴 구간 ({n})",
    },
    "tuning.lineage.exploits": {
        "en": "arrows: {n} exploits (copied → copying trial)",
        "ko": "화살표: exploit {n}회 (복사된 시행 → 복사한 시행)",
    },
    "tuning.importance.xlabel": {
        "en": "share of the variance of {metric} ranks explained",
        "ko": "{metric} 순위 분산 중 설명된 비율",
    },
    "tuning.importance.note": {
        "en": "{scope}, {n} trials; ρ² (Spearman) for numbers, η² for choices",
        "ko": "{scope}, 시행 {n}개; 수는 ρ² (Spearman), 선택지는 η²",
    },
    "tuning.importance.noisy": {"en": "only {n} trials: noisy", "ko": "시행 {n}개뿐: 잡음이 큼"},
    "tuning.importance.groups": {"en": "η², {n} groups", "ko": "η², 그룹 {n}개"},
    "tuning.parallel.note": {
        "en": "{n} trials by {scope}{best}",
        "ko": "시행 {n}개, {scope} 기준{best}",
    },
    "tuning.parallel.constant": {"en": "constant: {names}", "ko": "고정: {names}"},
    "tuning.why.pbt": {
        "en": "a PBT run (pbt_global.txt) has no rungs; its lineage and exploits are drawn "
        "instead",
        "ko": "PBT 실행(pbt_global.txt)에는 rung이 없습니다. 계보와 exploit을 대신 그립니다",
    },
    "tuning.why.no_results": {"en": "no trial has results", "ko": "결과가 있는 시행이 없습니다"},
    "tuning.why.all_ran": {
        "en": "every trial ran to iteration {top}: nothing in the files shows an early-stopping "
        "scheduler (pass scheduler='asha' or 'hyperband' with its arguments to draw rungs)",
        "ko": "모든 시행이 반복 {top}까지 실행됨: 파일에 조기 중단 스케줄러의 흔적이 없습니다 "
        "(rung을 그리려면 scheduler='asha' 또는 'hyperband'와 그 인자를 주세요)",
    },
    "tuning.why.no_ladder": {
        "en": "trials stopped early at iteration(s) {its} of {top}, which do not tell "
        "grace_period and reduction_factor (pass scheduler='asha' with grace_period= and "
        "reduction_factor=)",
        "ko": "시행이 반복 {its}에서 조기 중단됨 (최대 {top}): grace_period와 reduction_factor를 "
        "알 수 없습니다 (scheduler='asha'와 grace_period=, reduction_factor=를 주세요)",
    },
    "tuning.why.need_max_t": {
        "en": "no trial has results: pass max_t=",
        "ko": "결과가 있는 시행이 없습니다: max_t=를 주세요",
    },
    "tuning.why.need_rf": {
        "en": "the trials' stopping iterations do not tell the reduction_factor of {kind}: "
        "pass reduction_factor=",
        "ko": "시행의 중단 반복으로는 {kind}의 reduction_factor를 알 수 없습니다: "
        "reduction_factor=를 주세요",
    },
    "tuning.why.need_grace": {
        "en": "the trials' stopping iterations do not tell ASHA's grace_period: "
        "pass grace_period=",
        "ko": "시행의 중단 반복으로는 ASHA의 grace_period를 알 수 없습니다: "
        "grace_period=를 주세요",
    },
    "tuning.why.bare_frame": {
        "en": "a bare metrics frame has no trial summary: pass a RunLog",
        "ko": "지표 프레임만으로는 시행 요약이 없습니다: RunLog를 주세요",
    },
    "tuning.why.none_recorded": {
        "en": "the log records no scheduler",
        "ko": "로그에 스케줄러 기록이 없습니다",
    },
    "tuning.why.no_pbt_log": {
        "en": "no PBT exploit log (pbt_global.txt or pbt_policy_*.txt) in the run's folder",
        "ko": "실행 폴더에 PBT exploit 기록(pbt_global.txt, pbt_policy_*.txt)이 없습니다",
    },
    "tuning.evidence.stops": {
        "en": "early stops at {its} (one bracket assumed)",
        "ko": "조기 중단 반복 {its} (브래킷 하나로 가정)",
    },
    "tuning.evidence.given": {"en": "scheduler={name} given", "ko": "scheduler={name} 지정"},
    "tuning.parallel.best": {"en": "; best = thick", "ko": "; 최고 = 굵은 선"},
    # --- tuning charts (history, slice, contour, EDF) ------------------------------------
    "tcharts.outcome.completed": {"en": "completed ({n})", "ko": "완료 ({n})"},
    "tcharts.outcome.stopped": {
        "en": "stopped / pruned ({n})",
        "ko": "중단 / 가지치기 ({n})",
    },
    "tcharts.outcome.error": {"en": "ERROR ({n})", "ko": "오류 ({n})"},
    "tcharts.outcome.other": {"en": "other status ({n})", "ko": "기타 상태 ({n})"},
    "tcharts.scope.last": {
        "en": "value = each trial's last {metric}",
        "ko": "값 = 각 시행의 마지막 {metric}",
    },
    "tcharts.scope.min": {
        "en": "value = each trial's lowest {metric}",
        "ko": "값 = 각 시행의 가장 낮은 {metric}",
    },
    "tcharts.scope.max": {
        "en": "value = each trial's highest {metric}",
        "ko": "값 = 각 시행의 가장 높은 {metric}",
    },
    "tcharts.minutes_since_start": {
        "en": "minutes since the sweep's first report (completion time)",
        "ko": "스윕 첫 보고 후 분 (완료 시각)",
    },
    "tcharts.completion_order": {"en": "trial, in completion order", "ko": "완료 순서의 시행"},
    "tcharts.best_so_far": {"en": "best so far", "ko": "지금까지 최고"},
    "tcharts.no_value": {
        "en": "{n} trial(s) without a value are not drawn",
        "ko": "값이 없는 시행 {n}개는 그리지 않음",
    },
    "tcharts.single_value": {
        "en": "{param} has a single value ({value}): nothing to compare",
        "ko": "{param}의 값이 하나뿐입니다 ({value}): 비교할 것이 없음",
    },
    "tcharts.log_axis": {"en": "log axis", "ko": "로그 축"},
    "tcharts.contour_note": {
        "en": "contours interpolated between trials",
        "ko": "등고선은 시행 사이를 보간한 것",
    },
    "tcharts.contour_degenerate": {
        "en": "trials on one line: no contours",
        "ko": "시행이 한 직선 위: 등고선 없음",
    },
    "tcharts.too_few_for_contour": {
        "en": "{n} trial(s) with a value: too few for contours",
        "ko": "값이 있는 시행 {n}개: 등고선에는 너무 적음",
    },
    "tcharts.all_trials": {"en": "all trials ({n})", "ko": "모든 시행 ({n})"},
    "tcharts.fraction_at_or_below": {
        "en": "fraction of trials at or below",
        "ko": "이 값 이하인 시행의 비율",
    },
    # --- run overview ----------------------------------------------------------------------
    "overview.panel.loss": {"en": "loss (train and validation)", "ko": "손실 (학습·검증)"},
    "overview.panel.lr": {"en": "learning rate", "ko": "학습률"},
    "overview.panel.throughput": {"en": "throughput", "ko": "처리량"},
    "overview.panel.memory": {"en": "memory", "ko": "메모리"},
    "overview.title": {"en": "Run overview", "ko": "실행 개요"},
    "overview.cut": {"en": "{n} cut line(s)", "ko": "잘린 줄 {n}개"},
    "overview.resumed": {"en": "{n} resume(s)", "ko": "재개 {n}회"},
    "overview.nonfinite": {
        "en": "{metric} non-finite from step {step}",
        "ko": "{metric}: 스텝 {step}부터 유한하지 않음",
    },
    "overview.ranks_mean": {"en": "mean of {n} ranks", "ko": "rank {n}개의 평균"},
    "overview.missing": {"en": "not logged: {panels}", "ko": "기록 없음: {panels}"},
    # --- compare (run comparison) -------------------------------------------------------
    "compare.group_label": {"en": "{group} (n={n})", "ko": "{group} (n={n})"},
    "compare.stat.iqm": {
        "en": "line: IQM of the seeds; band: {ci}% stratified-bootstrap CI ({n_boot} resamples)",
        "ko": "선: 시드의 IQM; 띠: {ci}% 층화 부트스트랩 신뢰구간 ({n_boot}회 재표본)",
    },
    "compare.stat.median": {
        "en": "line: median of the seeds; band: {ci}% bootstrap CI ({n_boot} resamples)",
        "ko": "선: 시드의 중앙값; 띠: {ci}% 부트스트랩 신뢰구간 ({n_boot}회 재표본)",
    },
    "compare.stat.mean": {
        "en": "line: mean of the seeds; band: {ci}% bootstrap CI ({n_boot} resamples)",
        "ko": "선: 시드의 평균; 띠: {ci}% 부트스트랩 신뢰구간 ({n_boot}회 재표본)",
    },
    "compare.aligned": {
        "en": "steps aligned by linear interpolation (never across a gap)",
        "ko": "스텝은 선형 보간으로 맞춤 (빈 구간은 건너뛰지 않음)",
    },
    "compare.smoothed": {
        "en": "each run EMA-smoothed (weight {weight}) before aggregation",
        "ko": "각 실행을 집계 전에 EMA 평활 (가중치 {weight})",
    },
    "compare.x.relative_time": {
        "en": "x: seconds since each run's first logged point",
        "ko": "x: 각 실행의 첫 기록 이후 초",
    },
    "compare.x.samples": {
        "en": "x: samples seen (step x batch size {batch_size:g})",
        "ko": "x: 처리한 샘플 수 (스텝 x 배치 크기 {batch_size:g})",
    },
    "compare.xlabel.relative_time": {"en": "time since start (s)", "ko": "시작 후 시간 (초)"},
    "compare.xlabel.samples": {"en": "samples seen", "ko": "처리한 샘플 수"},
    "compare.seeds_are_runs": {
        "en": "seeds: every run of a group (no seed key given)",
        "ko": "시드: 그룹의 모든 실행 (시드 키 없음)",
    },
    "compare.group.function": {"en": "groups from the function given", "ko": "주어진 함수로 그룹"},
    "compare.group.mapping": {"en": "groups from the mapping given", "ko": "주어진 매핑으로 그룹"},
    "compare.group.run": {
        "en": "each run is its own group (no by= key)",
        "ko": "실행마다 한 그룹 (by= 키 없음)",
    },
    "compare.group.trial": {"en": "each trial is its own group", "ko": "시행마다 한 그룹"},
    "compare.group.config": {"en": "groups by config {key!r}", "ko": "설정 {key!r}로 그룹"},
    "compare.group.logged": {
        "en": "groups by the logged {key!r}",
        "ko": "기록된 {key!r}로 그룹",
    },
    "compare.group.regex": {
        "en": "groups from run names ({pattern})",
        "ko": "실행 이름으로 그룹 ({pattern})",
    },
    "compare.seed.function": {"en": "seeds from the function given", "ko": "주어진 함수로 시드"},
    "compare.seed.mapping": {"en": "seeds from the mapping given", "ko": "주어진 매핑으로 시드"},
    "compare.seed.run": {"en": "each run is one seed", "ko": "실행마다 한 시드"},
    "compare.seed.trial": {"en": "each trial is one seed", "ko": "시행마다 한 시드"},
    "compare.seed.config": {"en": "seeds by config {key!r}", "ko": "설정 {key!r}로 시드"},
    "compare.seed.logged": {"en": "seeds by the logged {key!r}", "ko": "기록된 {key!r}로 시드"},
    "compare.seed.regex": {
        "en": "seeds from run names ({pattern})",
        "ko": "실행 이름으로 시드 ({pattern})",
    },
    # --- trace (torch.profiler) ---------------------------------------------------------
    "trace.cat.compute": {"en": "compute", "ko": "연산"},
    "trace.cat.optimizer": {"en": "optimizer", "ko": "옵티마이저"},
    "trace.cat.data": {"en": "data loading", "ko": "데이터 로딩"},
    "trace.cat.memcpy": {"en": "memory copy", "ko": "메모리 복사"},
    "trace.cat.comm": {"en": "communication", "ko": "통신"},
    "trace.cat.other": {"en": "other", "ko": "기타"},
    "trace.cat.idle": {"en": "idle", "ko": "유휴"},
    "trace.exposed": {"en": "communication (exposed)", "ko": "통신 (노출)"},
    "trace.overlapped": {
        "en": "communication overlapped with work",
        "ko": "연산과 겹친 통신",
    },
    "trace.step_n": {"en": "step {step}", "ko": "스텝 {step}"},
    "trace.rank_n": {"en": "rank {rank}", "ko": "rank {rank}"},
    "trace.ms_per_step": {"en": "time per step (ms)", "ko": "스텝당 시간 (ms)"},
    "trace.mean_ms_per_step": {
        "en": "mean time per step (ms, {steps} steps)",
        "ko": "스텝당 평균 시간 (ms, {steps}개 스텝)",
    },
    "trace.ms_since_step": {
        "en": "ms since step {step} began (each rank on its own clock)",
        "ko": "스텝 {step} 시작 후 ms (rank마다 자체 시계)",
    },
    "trace.straggler_note": {
        "en": "rank {rank}: {cause} +{ms} ms/step",
        "ko": "rank {rank}: {cause} 스텝당 +{ms} ms",
    },
    "trace.straggler_sentence": {
        "en": "Rank {rank} is the straggler: its {cause} takes {ms} ms per step more than "
        "the others', while rank(s) {others} wait {wait} ms per step in {comm}.",
        "ko": "rank {rank}가 지연 rank입니다: {cause}에 다른 rank보다 스텝당 {ms} ms 더 걸리고, "
        "rank {others}는 {comm}에서 스텝당 {wait} ms 기다립니다.",
    },
    "trace.no_straggler": {
        "en": "No straggler: every rank waits about as long in communication.",
        "ko": "지연 rank 없음: 모든 rank의 통신 대기 시간이 비슷합니다.",
    },
    # --- density (chartkit.metrics.plots.density) ---------------------------------------
    "density.colorbar": {"en": "points per pixel", "ko": "픽셀당 점 수"},
    "density.colorbar.lines": {
        "en": "line segments per pixel",
        "ko": "픽셀당 선분 수",
    },
    "density.note.points": {
        "en": "{points} points, {count} {noun}, per-pixel counts",
        "ko": "점 {points}개, {noun} {count}개, 픽셀별 개수",
    },
    "density.noun.series": {"en": "series", "ko": "시리즈"},
    "density.noun.rank": {"en": "ranks", "ko": "rank"},
    "density.noun.trial": {"en": "trials", "ko": "시행"},
    "density.noun.run": {"en": "runs", "ko": "실행"},
    "density.note.nonfinite": {
        "en": "{count} non-finite values counted and left out ({kinds})",
        "ko": "유한하지 않은 값 {count}개는 세고 제외 ({kinds})",
    },
    "density.note.outside": {
        "en": "{count} points outside the limits left out",
        "ko": "범위 밖의 점 {count}개 제외",
    },
    "density.note.no_x": {
        "en": "{count} points without a wall time left out",
        "ko": "시각이 없는 점 {count}개 제외",
    },
    "density.note.eq_hist": {
        "en": "colours: equal-count bins of the counts",
        "ko": "색: 개수를 같은 수로 나눈 구간",
    },
    "density.median": {
        "en": "median of each pixel column",
        "ko": "픽셀 열별 중앙값",
    },
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
