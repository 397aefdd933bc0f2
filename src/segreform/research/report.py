"""One report per evaluation: HTML with plotly figures (self-contained, works offline) and PDF through chromium.

The report states the estimate with its interval, the diagnostics (pre-trend test, pre-period fit,
effective number of donors), the caveats in plain words, and the data releases it rests on. Figures:
the event study (dynamic effects), the synthetic-control paths, and the placebo distribution.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import plotly.graph_objects as go
from jinja2 import Environment, FileSystemLoader, select_autoescape

from segreform.evaluate.results import EvaluationResult

TEMPLATES = Path(__file__).resolve().parent.parent / "web" / "templates"
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")


def event_study_figure(result: EvaluationResult) -> go.Figure | None:
    """Dynamic (event-time) effects with their intervals, from a Callaway & Sant'Anna or TWFE result."""
    rows = [e for e in result.estimates if e.kind in ("dynamic", "event") and e.label != "overall"]
    if not rows:
        return None
    x = [float(e.label) for e in rows]
    y = [e.estimate for e in rows]
    error_up = [(e.ci_high - e.estimate) if e.ci_high is not None else 0 for e in rows]
    error_down = [(e.estimate - e.ci_low) if e.ci_low is not None else 0 for e in rows]
    fig = go.Figure(go.Scatter(x=x, y=y, mode="markers", name="effect",
                               error_y={"type": "data", "array": error_up, "arrayminus": error_down}))
    fig.add_hline(y=0, line_dash="dot")
    fig.add_vline(x=-0.5, line_dash="dash", line_color="grey")
    band = "uniform" if rows[0].band == "uniform" else "pointwise"
    fig.update_layout(title=f"Event study: effect by years since start (95% {band} intervals)",
                      xaxis_title="years since the programme started", yaxis_title="effect on the outcome")
    return fig


def synth_paths_figure(result: EvaluationResult) -> go.Figure | None:
    """The treated unit and its synthetic control over time, treatment start marked."""
    if "treated" not in result.paths or "synthetic" not in result.paths:
        return None
    fig = go.Figure()
    for name in ("treated", "synthetic"):
        path = result.paths[name]
        fig.add_trace(go.Scatter(x=[float(t) for t in path], y=list(path.values()), mode="lines", name=name,
                                 line={"dash": "dash"} if name == "synthetic" else {}))
    fig.add_vline(x=float(result.settings["start"]) - 0.5, line_dash="dot", line_color="grey")
    fig.update_layout(title=f"Synthetic control: {result.settings.get('treated')} and its synthetic twin",
                      xaxis_title="period", yaxis_title=result.settings.get("outcome", "outcome"))
    return fig


def placebo_figure(result: EvaluationResult) -> go.Figure | None:
    """Gap paths of the treated unit against every placebo, and where its RMSPE ratio ranks."""
    placebos = {k.split(":", 1)[1]: v for k, v in result.paths.items() if k.startswith("placebo:")}
    if not placebos:
        return None
    fig = go.Figure()
    for name, path in placebos.items():
        fig.add_trace(go.Scatter(x=[float(t) for t in path], y=list(path.values()), mode="lines", name=name,
                                 line={"color": "lightgrey", "width": 1}, showlegend=False, hoverinfo="name"))
    treated = result.paths["treated"]
    synthetic = result.paths["synthetic"]
    fig.add_trace(go.Scatter(x=[float(t) for t in treated], y=[treated[t] - synthetic[t] for t in treated],
                             mode="lines", name=str(result.settings.get("treated")), line={"color": "black", "width": 3}))
    placebo = result.diagnostics.get("placebo", {})
    fig.update_layout(title=f"Placebo gaps: the treated unit ranks {placebo.get('rank')} of {placebo.get('of')} "
                            f"by post/pre RMSPE ratio (p = {placebo.get('p_value', float('nan')):.3f})",
                      xaxis_title="period", yaxis_title="gap (unit minus its synthetic control)")
    return fig


def caveats(result: EvaluationResult) -> list[str]:
    """Plain-language caveats that follow from the design and diagnostics."""
    out = list(result.notes)
    d = result.diagnostics
    pre = d.get("pre_trend_test") or {}
    if pre.get("p_value") is not None and pre["p_value"] < 0.10:
        out.append(f"The pre-treatment effects are jointly different from zero (p = {pre['p_value']:.3f}): "
                   "treated and comparison municipalities were already on different paths, so the estimate may be biased.")
    if d.get("effective_donors") is not None and d["effective_donors"] < 3:
        out.append(f"The synthetic control rests on about {d['effective_donors']:.1f} effective donors: "
                   "it depends heavily on a few comparison units (see leave-one-out).")
    if result.estimator == "synthetic_control" and "placebo" not in d:
        out.append("No placebo inference was run: there is no measure of how unusual this gap is.")
    out.append("These are estimates of average effects for the municipalities in the programme compared with the "
               "chosen comparison pool; they assume that, without the programme, both would have changed alike.")
    return out


def headline(result: EvaluationResult):
    """The one estimate a reader should see first."""
    for kind, label in (("simple", "overall"), ("sdid", "overall"), ("att", "average_post"), ("twfe", "overall")):
        try:
            return result.get(kind, label)
        except KeyError:
            continue
    return result.estimates[0] if result.estimates else None


def render_html(result: EvaluationResult, *, title: str, plan: dict | None = None,
                releases: list[tuple[str, str]] | None = None, inline_plotly: bool = True) -> str:
    """The report as one HTML document; with ``inline_plotly`` it carries plotly.js and works offline."""
    figures = [f for f in (event_study_figure(result), synth_paths_figure(result), placebo_figure(result)) if f is not None]
    snippets = []
    for i, fig in enumerate(figures):
        include = (inline_plotly and i == 0) or ("/static/plotly.min.js" if not inline_plotly and i == 0 else False)
        snippets.append(fig.to_html(full_html=False, include_plotlyjs=include, default_width="100%", default_height="420px"))
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    return env.get_template("research/report.html").render(
        title=title, result=result, headline=headline(result), figures=snippets, caveats=caveats(result),
        plan=plan or {}, releases=releases or [], diagnostics=result.diagnostics,
    )


def find_chromium() -> str | None:
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def html_to_pdf(html: str, output: Path, chromium: str | None = None, timeout: float = 120) -> Path:
    """Print the HTML report to PDF with headless chromium (JavaScript runs, so the figures are drawn).

    Raises ``RuntimeError`` saying what to install when no chromium is found.
    """
    chromium = chromium or find_chromium()
    if chromium is None:
        raise RuntimeError("PDF reports need chromium (apt-get install chromium); the HTML report works without it")
    output = Path(output).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(html, encoding="utf-8")
        subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
             "--run-all-compositor-stages-before-draw", "--virtual-time-budget=10000", "--no-pdf-header-footer",
             f"--user-data-dir={tmp}/profile", f"--print-to-pdf={output}", page.as_uri()],
            check=True, capture_output=True, timeout=timeout,
        )
    if not output.exists() or output.stat().st_size == 0:
        raise RuntimeError(f"chromium did not write {output}")
    return output
