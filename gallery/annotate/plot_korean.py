"""
Korean chart: titles, rich text, labels and a glyph check
=========================================================

Every text layer works with Hangul through the theme's font fallback (DejaVu Sans for Latin
letters and the minus sign, a Korean font for Hangul). ``check_glyphs`` lists the characters
no font in use can draw before the figure is saved; here it finds none, so no box ("tofu")
will be drawn and no warning is raised.
"""

import matplotlib.pyplot as plt
import numpy as np

import chartkit
from chartkit.annotate import abc, bar_labels, check_glyphs, titles

rng = np.random.default_rng(11)
epochs = np.arange(1, 61)

# %%
# Learning curves and a bar chart, all in Korean.
with chartkit.theme("default"):
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 4))
    ax1.plot(epochs, 2 * np.exp(-epochs / 12) + 0.2 + rng.normal(0, 0.02, 60), label="학습 손실")
    # A dark vermillion: the title writes this name in its colour, so it must read as text.
    ax1.plot(epochs, 1.7 * np.exp(-epochs / 16) + 0.3, label="검증 손실", color="#b35000")
    ax1.set_xlabel("에폭")
    ax1.set_ylabel("손실")
    titles(ax1, title="<학습 손실>이 <검증 손실>보다 빨리 줄어듭니다", subtitle="학습률 0.01")

    bars = ax2.bar(["기준", "증강", "정규화", "둘 다"], [71.2, 74.8, 73.9, 77.5])
    bar_labels(bars, "{:.1f}%")
    ax2.set_ylim(0, 100)
    ax2.set_ylabel("정확도 (%)")
    titles(ax2, title="데이터 증강의 효과", caption="평균: 시드 3개")

    abc([ax1, ax2], "(가)")
    titles(fig, title="한국어 차트 예제", source="출처: 합성 데이터 (chartkit)")
    missing = check_glyphs(fig)
    print("그릴 수 없는 글자:", missing or "없음")
    plt.show()
