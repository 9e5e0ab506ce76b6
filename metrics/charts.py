"""Plotly figure documents (plain dicts, drawn by static/js/metrics.js with the locally
served plotly.min.js) built from the quality series and iteration reports."""

from __future__ import annotations

TYPE_COLOURS = {
    "temporal": "#c2410c",
    "semantic": "#7c3aed",
    "missing_reference": "#0e7490",
    "granularity": "#a16207",
    "spatial": "#15803d",
}
LAYOUT = {
    "height": 380,
    "margin": {"l": 56, "r": 16, "t": 24, "b": 56},
    "legend": {"orientation": "h", "y": -0.25},
    "hovermode": "x unified",
    "paper_bgcolor": "rgba(0,0,0,0)",
    "plot_bgcolor": "rgba(0,0,0,0)",
}


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 2)


def rate_figure(series: dict) -> dict:
    """Sync-error rate per iteration, stacked by type, against the 5% target and the
    34% industry baseline."""
    points = series["iterations"]
    labels = [p["label"] for p in points]
    types = sorted({t for p in points for t in p["stack_by_type"]})
    data: list[dict] = [
        {
            "type": "bar",
            "name": kind.replace("_", " "),
            "x": labels,
            "y": [_percent(p["stack_by_type"].get(kind)) for p in points],
            "marker": {"color": TYPE_COLOURS.get(kind, "#64748b")},
        }
        for kind in types
    ]
    data.append(
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": "sync-error rate",
            "x": labels,
            "y": [_percent(p["sync_error_rate"]) for p in points],
            "line": {"color": "#0f172a"},
        }
    )
    for name, value, dash in (
        ("industry baseline 34%", series["baseline_rate"], "dot"),
        ("target 5%", series["target_rate"], "dash"),
    ):
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": name,
                "x": labels,
                "y": [_percent(value)] * len(labels),
                "line": {"dash": dash, "color": "#94a3b8" if dash == "dot" else "#16a34a"},
                "hoverinfo": "skip",
            }
        )
    layout = {
        **LAYOUT,
        "barmode": "stack",
        "yaxis": {"title": {"text": "% of validated data points"}, "rangemode": "tozero"},
    }
    return {"data": data, "layout": layout}


def alpha_figure(series: dict) -> dict:
    """Krippendorff's alpha per modality per iteration (tags, else time slices, else
    attributes: metrics.figures.headline_alpha)."""
    points = series["iterations"]
    labels = [p["label"] for p in points]
    # A modality whose alpha is undefined in every iteration draws no empty line.
    modalities = sorted(
        {m for p in points for m, value in p["alpha_by_modality"].items() if value is not None}
    )
    data = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": modality,
            "x": labels,
            "y": [p["alpha_by_modality"].get(modality) for p in points],
            "connectgaps": False,
        }
        for modality in modalities
    ]
    layout = {**LAYOUT, "yaxis": {"title": {"text": "alpha"}, "range": [-0.1, 1.05]}}
    return {"data": data, "layout": layout}


def dismissal_figure(series: dict) -> dict:
    """Share of each check's findings that were dismissed: the latest project snapshot
    when there is one, the iterations' findings otherwise."""
    current = series.get("current") or {}
    table = current.get("dismissal_by_check") or {}
    if not table:
        merged: dict[str, dict] = {}
        for point in series["iterations"]:
            for check, row in point["dismissal_by_check"].items():
                entry = merged.setdefault(check, {"findings": 0, "dismissed": 0})
                entry["findings"] += row["findings"]
                entry["dismissed"] += row["dismissed"]
        table = {
            check: {**row, "rate": row["dismissed"] / row["findings"] if row["findings"] else None}
            for check, row in merged.items()
        }
    checks = sorted(table)
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "name": "dismissed",
            "y": [c.replace("_", " ") for c in checks],
            "x": [_percent(table[c]["rate"]) for c in checks],
            "text": [f"{table[c]['dismissed']}/{table[c]['findings']}" for c in checks],
            "marker": {"color": "#64748b"},
        }
    ]
    layout = {
        **LAYOUT,
        "xaxis": {"title": {"text": "% of findings dismissed"}, "range": [0, 100]},
        "margin": {**LAYOUT["margin"], "l": 140},
    }
    return {"data": data, "layout": layout}


def agreement_figure(figures: dict) -> dict:
    """Alpha, percent agreement and Gwet's AC1 of the tags per modality (one iteration)."""
    tags = figures.get("agreement", {}).get("tags", {})
    modalities = sorted(tags)
    data = [
        {
            "type": "bar",
            "name": name,
            "x": modalities,
            "y": [tags[m].get(key) for m in modalities],
        }
        for key, name in (
            ("alpha", "Krippendorff's alpha"),
            ("gwet", "Gwet's AC1"),
            ("percent_agreement", "percent agreement"),
        )
    ]
    layout = {**LAYOUT, "barmode": "group", "yaxis": {"range": [-0.1, 1.05]}}
    return {"data": data, "layout": layout}
