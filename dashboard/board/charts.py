"""Every Plotly figure of the product, built from plain data (lists of labels and numbers), testable without HTTP.

Figures are returned as JSON-ready dicts; templates hand them to plotly.js (served from static/, no CDN).
Colours come with words or markers elsewhere on the page: a chart never carries meaning by colour alone.
Every text a figure shows (axis categories, trace names, titles, notes) goes through plain(): plotly.js reads them as
HTML, and they come from data (campaign, node, channel names, notes people write).
"""

import html

import plotly.graph_objects as go
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kpis.periods import PeriodKind

INK, ACCENT, SECOND, GRID = "#1b1f24", "#0b5cad", "#b3541e", "#e3e7ec"
FAMILY = "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"
# The wall is dark and read from across a room: light ink, brighter lines, larger type (charts.js scales it further
# with the screen's height, so 4K screens get the same proportions as 1080p ones).
THEMES = {
    "light": {"ink": INK, "accent": ACCENT, "second": SECOND, "grid": GRID, "size": 13, "width": 2},
    "dark": {"ink": "#f2f5f9", "accent": "#6cb4ff", "second": "#ffb070", "grid": "#2a3a55", "size": 18, "width": 4},
}


def plain(text):
    """`text` as plotly.js shows it literally. Plotly reads labels, names, titles and annotations as a subset of HTML
    (`<a href>`, `<b>`, `<br>`, `<span style>`) and decodes entities, so a campaign named
    `<a href="https://evil.example">x</a>` would be a live link in the chart: `&`, `<` and `>` are escaped. Only
    these three: plotly.js decodes &amp; &lt; &gt; and numeric entities, but shows "&quot;" as typed."""
    return html.escape(str(text), quote=False)


def _number(value):
    return None if value is None else float(value)


def _layout(theme="light", **extra):
    colours = THEMES[theme]
    layout = {"template": "none", "font": {"family": FAMILY, "size": colours["size"], "color": colours["ink"]},
              "margin": {"l": 48, "r": 16, "t": 16, "b": 40},
              "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)", "hovermode": "x unified",
              "showlegend": False}  # fmt: skip
    layout.update(extra)
    return layout


def _figure(data, layout):
    return go.Figure(data=data, layout=layout).to_plotly_json()


def is_partial(periods, today):
    """Whether the last of a series' periods is under way on `today` (its last point counts the days so far)."""
    return bool(periods) and periods[-1].end > today


def axis_labels(periods):
    """Periods named as people of the active language read them on an axis ("nov. 2026", "1 nov.", "T1 2026").
    Plotly would otherwise read ISO dates and name them in English."""
    labels = []
    for period in periods:
        start = period.start
        if period.kind == PeriodKind.DAY:
            labels.append(date_format(start, "j M"))
        elif period.kind == PeriodKind.WEEK:
            year, week, _weekday = start.isocalendar()
            labels.append(_("W%(week)s %(year)s") % {"week": week, "year": year})
        elif period.kind == PeriodKind.MONTH:
            labels.append(date_format(start, "M Y"))
        elif period.kind == PeriodKind.QUARTER:
            labels.append(_("Q%(quarter)s %(year)s") % {"quarter": (start.month - 1) // 3 + 1, "year": start.year})
        elif period.kind == PeriodKind.FISCAL_YEAR:
            labels.append(_("FY %(label)s") % {"label": period.label.removeprefix("FY")})
        else:
            labels.append(f"{date_format(start, 'j M')} – {date_format(period.end, 'j M Y')}")
    return labels


def partial_label(label):
    """An axis label of a period under way: its last point counts only the days so far."""
    return _("%(period)s (to date)") % {"period": label}


def _partial_traces(labels, values, colour, width, partial):
    """The line and its last point: solid and full when the last period is whole; when it is under way
    (`partial`), its last segment dotted and its last point hollow, named "(to date)": a month four days old does
    not plunge unnoticed."""
    if not partial or len(values) < 2:
        labels = [plain(label) for label in labels]
        return [go.Scatter(x=labels, y=values, mode="lines", line={"color": colour, "width": width},
                           hoverinfo="x+y"),
                go.Scatter(x=labels[-1:], y=values[-1:], mode="markers", marker={"color": colour, "size": 3 * width},
                           hoverinfo="skip")]  # fmt: skip
    labels = [plain(label) for label in [*labels[:-1], partial_label(labels[-1])]]
    return [go.Scatter(x=labels, y=[*values[:-1], None], mode="lines", line={"color": colour, "width": width},
                       hoverinfo="x+y"),
            go.Scatter(x=labels[-2:], y=values[-2:], mode="lines", line={"color": colour, "width": width,
                                                                         "dash": "dot"}, hoverinfo="skip"),
            go.Scatter(x=labels[-1:], y=values[-1:], mode="markers", hoverinfo="x+y",
                       marker={"color": colour, "size": 3 * width, "symbol": "circle-open",
                               "line": {"width": width, "color": colour}})]  # fmt: skip


def sparkline(labels, values, *, theme="light", partial=False):
    """A tile's 13 points: a line with its last point marked, no axes; the last point hollow, after a dotted
    segment, when its period is under way (`partial`)."""
    colour, width = THEMES[theme]["accent"], THEMES[theme]["width"]
    values = [_number(v) for v in values]
    return _figure(
        _partial_traces(labels, values, colour, width, partial),
        # On the wall a sparkline fills what its tile leaves free, so it takes its height from the page.
        _layout(theme, margin={"l": 0, "r": 0, "t": 2, "b": 2}, height=48 if theme == "light" else None,
                hovermode="closest", xaxis={"visible": False, "type": "category"}, yaxis={"visible": False}),
    )  # fmt: skip


def outcome_and_driver(labels, outcome_name, outcome, driver_name, driver, *, theme="light", height=320,
                       annotations=None, partial=False):
    """An outcome beside the driver it depends on, on two axes: "leads up, sales down" is seen at a glance. The two
    lines differ by dash and marker shape as well as colour. `height` None: as high as its container (the wall).
    `annotations` are (label, text) notes drawn as dotted vertical lines at their period (see note_marks). With
    `partial`, the last period is under way: its label says "(to date)" and its points are hollow."""
    colours = THEMES[theme]
    labels = list(labels)
    if partial and labels:
        annotations = [(partial_label(label) if label == labels[-1] else label, text)
                       for label, text in annotations or []]  # fmt: skip
        labels[-1] = partial_label(labels[-1])

    def symbols(shape):
        return [shape] * (len(labels) - 1) + [f"{shape}-open" if partial else shape] if labels else shape

    shapes, notes = note_marks(annotations or [], theme=theme)
    labels, outcome_name, driver_name = [plain(label) for label in labels], plain(outcome_name), plain(driver_name)
    return _figure(
        [go.Scatter(x=labels, y=[_number(v) for v in outcome], name=outcome_name, mode="lines+markers",
                    line={"color": colours["accent"], "width": 3}, marker={"symbol": symbols("circle"), "size": 7}),
         go.Scatter(x=labels, y=[_number(v) for v in driver], name=driver_name, mode="lines+markers", yaxis="y2",
                    line={"color": colours["second"], "width": 2, "dash": "dash"},
                    marker={"symbol": symbols("diamond"), "size": 7})],
        _layout(theme, height=height, showlegend=True, legend={"orientation": "h", "y": -0.18},
                margin={"l": 64, "r": 72, "t": 16, "b": 40}, xaxis={"gridcolor": colours["grid"], "type": "category"},
                yaxis={"title": {"text": outcome_name}, "gridcolor": colours["grid"], "rangemode": "tozero"},
                yaxis2={"title": {"text": driver_name}, "overlaying": "y", "side": "right", "rangemode": "tozero",
                        "showgrid": False}, shapes=shapes, annotations=notes),
    )  # fmt: skip


def note_marks(annotations, *, theme="light"):
    """Plotly shapes and annotations for dated notes on a category axis: a dotted line at the note's period and
    its text above the plot (both plain(): a note's period is placed by its label as the axis shows it)."""
    ink = THEMES[theme]["ink"]
    background = "rgba(255,255,255,0.85)" if theme == "light" else "rgba(11,19,32,0.85)"
    shapes, notes = [], []
    for label, text in annotations:
        label = plain(label)
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": label, "x1": label, "y0": 0, "y1": 1,
                       "line": {"color": ink, "width": 1, "dash": "dot"}})
        notes.append({"xref": "x", "yref": "paper", "x": label, "y": 1, "yanchor": "top", "showarrow": False,
                      "text": plain(text[:80]), "font": {"size": 11, "color": ink}, "bgcolor": background})
    return shapes, notes


VALUE_FORMAT = {"money": ",.0f", "count": ",.0f", "%": ".1f", "seconds": ",.0f", "score": ".1f", "ratio": ".2f"}


def ranking_bars(labels, values, *, unit="count", title="", theme="light"):
    """Horizontal bars, largest on top; values written on the bars in the KPI's unit. On the dark (wall) theme,
    as high as its container."""
    colours = THEMES[theme]
    pairs = [(plain(label), _number(value)) for label, value in zip(labels, values, strict=True)]
    row = 34 if theme == "light" else 48
    return _figure(
        [go.Bar(y=[p[0] for p in pairs][::-1], x=[p[1] for p in pairs][::-1], orientation="h",
                marker={"color": colours["accent"]}, texttemplate=f"%{{x:{VALUE_FORMAT.get(unit, ',.2f')}}}",
                textposition="auto")],
        _layout(theme, height=max(160, row * len(pairs) + 40) if theme == "light" else None,
                margin={"l": 160, "r": 16, "t": 8, "b": 24}, yaxis={"automargin": True},
                xaxis={"gridcolor": colours["grid"], "title": {"text": plain(title)}}, hovermode="closest"),
    )  # fmt: skip


def funnel(stages):
    """A campaign's funnel, from impressions to customers: `stages` is [(name, count)], widest first. Each bar
    carries its count and its share of the stage before it, in words."""
    stages = [(plain(name), _number(count) or 0) for name, count in stages]
    return _figure(
        [go.Funnel(y=[name for name, _count in stages], x=[count for _name, count in stages],
                   texttemplate="%{value:,.0f}<br>%{percentPrevious:.0%}", marker={"color": ACCENT},
                   connector={"line": {"color": GRID}})],
        _layout(height=max(220, 44 * len(stages) + 40), margin={"l": 150, "r": 16, "t": 8, "b": 16},
                hovermode="closest"),
    )  # fmt: skip


WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def hour_weekday_heatmap(counts, weekday_names=WEEKDAYS, *, closing_hour=None):
    """Lead arrivals by local hour (columns) and weekday (rows); `counts` maps "isoweekday-HH" to a number. A line
    marks the hour the call centre closes, when known (article 001's example)."""
    z = [[_number(counts.get(f"{day}-{hour:02d}", 0)) for hour in range(24)] for day in range(1, 8)]
    shapes = []
    if closing_hour is not None:
        shapes.append({"type": "line", "x0": closing_hour - 0.5, "x1": closing_hour - 0.5, "y0": -0.5, "y1": 6.5,
                       "line": {"color": INK, "width": 2, "dash": "dot"}})  # fmt: skip
    return _figure(
        [go.Heatmap(z=z, x=[f"{h:02d}h" for h in range(24)], y=[plain(name) for name in weekday_names],
                    colorscale="Blues", hovertemplate="%{y} %{x}: %{z}<extra></extra>")],
        _layout(height=300, margin={"l": 48, "r": 16, "t": 8, "b": 40}, shapes=shapes, hovermode="closest",
                yaxis={"autorange": "reversed"}),
    )  # fmt: skip
