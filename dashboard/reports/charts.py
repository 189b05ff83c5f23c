"""The charts of e-mailed and printed reports, as PNG images: mail clients run no JavaScript, so the board's Plotly
figures (dashboard.charts) cannot travel. Drawn with matplotlib's Agg canvas, without pyplot (no global state, safe
in a worker's threads) and without a display or a browser; its bundled DejaVu Sans shows accents, "€", arrows and
the pace symbols.

Built from plain data (labels, numbers, and the texts to write on the bars, already formatted in the reader's
language), testable without HTTP. Colour never carries meaning alone: every bar carries its words.
"""

from io import BytesIO

INK, ACCENT, GOOD, BAD, NEUTRAL, GRID = "#1b1f24", "#0b5cad", "#1a7f37", "#b42318", "#6b7480", "#e3e7ec"
WIDTH_INCHES, DPI = 6.4, 150
ROW_INCHES = 0.42


def _figure(rows):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_INCHES, max(1.4, 0.5 + ROW_INCHES * rows)), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    axes.spines["bottom"].set_color(GRID)
    axes.tick_params(colors=INK, labelsize=9, length=0)
    axes.xaxis.grid(True, color=GRID, linewidth=0.8)
    axes.set_axisbelow(True)
    return figure, axes


def _png(figure):
    figure.tight_layout(pad=0.6)
    buffer = BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return buffer.getvalue()


def objectives_chart(labels, progress, texts, *, target_label):
    """Progress towards each objective in % of its target (a dashed line marks 100 %), with `texts` written beside
    each bar (the value, the pace in words and its symbol). Bars past 150 % are cut there, their text says more."""
    figure, axes = _figure(len(labels))
    shown = [min(float(p or 0), 150.0) for p in progress]
    colours = [GOOD if (p or 0) >= 100 else ACCENT for p in progress]
    positions = list(range(len(labels)))[::-1]
    axes.barh(positions, shown, color=colours, height=0.55)
    axes.axvline(100, color=INK, linewidth=1, linestyle="--")
    axes.text(100, len(labels) - 0.4, f" {target_label}", color=INK, fontsize=8, va="bottom")
    for y, value, text in zip(positions, shown, texts, strict=True):
        axes.text(value + 2, y, text, va="center", fontsize=8.5, color=INK)
    axes.set_yticks(positions, labels)
    axes.set_xlim(0, 210)
    axes.set_xticks([0, 50, 100, 150])
    axes.set_xticklabels(["0 %", "50 %", "100 %", "150 %"])
    return _png(figure)


def movers_chart(labels, changes, verdicts, texts):
    """The KPIs that moved most, bars as long as their relative change against the previous period (`changes`):
    right for a rise, left for a fall, green when better and red (hatched) when worse for that KPI, with `texts`
    (arrow, the change as the board shows it, in % or in points, and words)."""
    figure, axes = _figure(len(labels))
    values = [float(c) for c in changes]
    positions = list(range(len(labels)))[::-1]
    colours = [{"good": GOOD, "bad": BAD}.get(v, NEUTRAL) for v in verdicts]
    bars = axes.barh(positions, values, color=colours, height=0.55)
    for bar, verdict in zip(bars, verdicts, strict=True):
        if verdict == "bad":
            bar.set_hatch("///")
            bar.set_edgecolor("white")
    reach = max([abs(v) for v in values] + [1.0])
    axes.set_xlim(-reach * 2.8, reach * 2.8)  # room for the words beside the longest bar
    axes.axvline(0, color=INK, linewidth=1)
    for y, value, text in zip(positions, values, texts, strict=True):
        axes.text(value + (reach * 0.05 if value >= 0 else -reach * 0.05), y, text, va="center", fontsize=8.5,
                  ha="left" if value >= 0 else "right", color=INK)  # fmt: skip
    axes.set_yticks(positions, labels)
    axes.set_xticks([])
    return _png(figure)
