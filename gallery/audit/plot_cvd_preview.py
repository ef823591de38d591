"""
Auditing a rendered PNG: colours that collapse
==============================================

``chartkit audit chart.png --preview preview.png`` works on an image made by any tool: it
finds the colours of the marks, simulates deuteranomaly, protanomaly and tritanomaly on them
and reports the pairs that collapse. Here a chart drawn with tab10's red and green is audited
from its PNG bytes; the preview shows it as seen with normal vision, with each deficiency,
and in greyscale, where the two curves become one colour.
"""

import io

import matplotlib.pyplot as plt
import numpy as np

import chartkit
from chartkit.audit import audit_image, cvd_preview

x = np.linspace(0, 4 * np.pi, 300)

# %%
# A chart from elsewhere, rendered to PNG in memory and read back as pixels.
with chartkit.theme("default"):
    chart, ax = plt.subplots(figsize=(4, 2.6), dpi=100)
    ax.plot(x, np.sin(x), color="#d62728", lw=2)
    ax.plot(x, np.cos(x), color="#2ca02c", lw=2)
    buf = io.BytesIO()
    chart.savefig(buf, format="png")
    plt.close(chart)
pixels = (plt.imread(io.BytesIO(buf.getvalue()))[..., :3] * 255).round().astype(np.uint8)
print(audit_image(pixels))

# %%
# The side-by-side preview, drawn into a pyplot figure so the gallery saves it.
with chartkit.theme("default"):
    fig = cvd_preview(pixels, panel_width=2.6, fig=plt.figure())
    plt.show()
