"""Every Plotly figure of the product, built from plain data (lists of labels and numbers), testable without HTTP.

Figures are returned as JSON-ready dicts; templates hand them to plotly.js (served from static/, no CDN).
Colours come with words or markers elsewhere on the page: a chart never carries meaning by colour alone.
"""

import html

import plotly.graph_objects as go

INK, ACCENT, SECOND, GRID = "#1b1f24", "#0b5cad", "#b3541e", "#e3e7ec"
FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 13, "color": INK}


def _number(value):
    return None if value is None else float(value)


def _layout(**extra):
    layout = {"template": "none", "font": FONT, "margin": {"l": 48, "r": 16, "t": 16, "b": 40},
              "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)", "hovermode": "x unified",
              "showlegend": False}  # fmt: skip
    layout.update(extra)
    return layout


def _figure(data, layout):
    return go.Figure(data=data, layout=layout).to_plotly_json()


def sparkline(labels, values):
    """A tile's 13 points: a line with its last point marked, no axes."""
    values = [_number(v) for v in values]
    return _figure(
        [go.Scatter(x=labels, y=values, mode="lines", line={"color": ACCENT, "width": 2}, hoverinfo="x+y"),
         go.Scatter(x=labels[-1:], y=values[-1:], mode="markers", marker={"color": ACCENT, "size": 6},
                    hoverinfo="skip")],
        _layout(margin={"l": 0, "r": 0, "t": 2, "b": 2}, height=48, hovermode="closest",
                xaxis={"visible": False}, yaxis={"visible": False}),
    )  # fmt: skip


def outcome_and_driver(labels, outcome_name, outcome, driver_name, driver, *, annotations=None):
    """An outcome beside the driver it depends on, on two axes: "leads up, sales down" is seen at a glance.
    `annotations` are (label, text) notes drawn as dotted vertical lines at their period (see note_marks)."""
    shapes, notes = note_marks(annotations or [])
    return _figure(
        [go.Scatter(x=labels, y=[_number(v) for v in outcome], name=outcome_name, mode="lines+markers",
                    line={"color": ACCENT, "width": 3}, marker={"symbol": "circle", "size": 7}),
         go.Scatter(x=labels, y=[_number(v) for v in driver], name=driver_name, mode="lines+markers", yaxis="y2",
                    line={"color": SECOND, "width": 2, "dash": "dash"}, marker={"symbol": "diamond", "size": 7})],
        _layout(height=320, showlegend=True, legend={"orientation": "h", "y": -0.18},
                margin={"l": 64, "r": 72, "t": 16, "b": 40},
                yaxis={"title": {"text": outcome_name}, "gridcolor": GRID, "rangemode": "tozero"},
                yaxis2={"title": {"text": driver_name}, "overlaying": "y", "side": "right", "rangemode": "tozero",
                        "showgrid": False}, shapes=shapes, annotations=notes),
    )  # fmt: skip


def note_marks(annotations):
    """Plotly shapes and annotations for dated notes on a category axis: a dotted line at the note's period and
    its text above the plot. Plotly reads annotation text as HTML, so the text is escaped here."""
    shapes, notes = [], []
    for label, text in annotations:
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": label, "x1": label, "y0": 0, "y1": 1,
                       "line": {"color": INK, "width": 1, "dash": "dot"}})
        notes.append({"xref": "x", "yref": "paper", "x": label, "y": 1, "yanchor": "top", "showarrow": False,
                      "text": html.escape(text[:80]), "font": {"size": 11, "color": INK},
                      "bgcolor": "rgba(255,255,255,0.85)"})
    return shapes, notes


VALUE_FORMAT = {"money": ",.0f", "count": ",.0f", "%": ".1f", "seconds": ",.0f", "score": ".1f", "ratio": ".2f"}


def ranking_bars(labels, values, *, unit="count", title=""):
    """Horizontal bars, largest on top; values written on the bars in the KPI's unit."""
    pairs = [(label, _number(value)) for label, value in zip(labels, values, strict=True)]
    return _figure(
        [go.Bar(y=[p[0] for p in pairs][::-1], x=[p[1] for p in pairs][::-1], orientation="h",
                marker={"color": ACCENT}, texttemplate=f"%{{x:{VALUE_FORMAT.get(unit, ',.2f')}}}",
                textposition="auto")],
        _layout(height=max(160, 34 * len(pairs) + 40), margin={"l": 160, "r": 16, "t": 8, "b": 24},
                xaxis={"gridcolor": GRID, "title": {"text": title}}, hovermode="closest"),
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
        [go.Heatmap(z=z, x=[f"{h:02d}h" for h in range(24)], y=list(weekday_names), colorscale="Blues",
                    hovertemplate="%{y} %{x}: %{z}<extra></extra>")],
        _layout(height=300, margin={"l": 48, "r": 16, "t": 8, "b": 40}, shapes=shapes, hovermode="closest",
                yaxis={"autorange": "reversed"}),
    )  # fmt: skip
