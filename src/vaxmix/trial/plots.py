"""Standard oncology trial figures with matplotlib (Agg backend; PNG or SVG).

Waterfall (best % change of the sum of diameters from baseline, sorted, coloured by BOR, lines
at −30 % and +20 %), spider (% change over time, one line per subject), swimmer (time on study
with first response and PD markers) and Kaplan–Meier curves with censoring ticks.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

__all__ = ["plot_km", "plot_spider", "plot_swimmer", "plot_waterfall"]

BOR_COLOURS = {"CR": "#1a9850", "PR": "#91cf60", "SD": "#fee08b", "NON-CR/NON-PD": "#d9d9d9",
               "PD": "#d73027", "NE": "#969696", "MISSING": "#ffffff"}


def _figure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> Path:  # noqa: ANN001
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, bbox_inches="tight", metadata={"Date": None}
                if path.suffix == ".svg" else None)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path


def plot_waterfall(timepoints: pd.DataFrame, bor: pd.DataFrame, path: Path,
                   bor_column: str = "cbor") -> Path:
    """Best (most negative) % change of SOD from baseline per subject."""
    plt = _figure()
    post = timepoints[~timepoints["is_baseline"] & timepoints["pchg_baseline"].notna()]
    best = post.groupby("subject")["pchg_baseline"].min().sort_values(ascending=False)
    colours = [BOR_COLOURS.get(bor.set_index("subject")[bor_column].get(s, "NE"), "#969696")
               for s in best.index]
    fig, ax = plt.subplots(figsize=(min(12, max(4, 0.35 * len(best) + 2)), 4))
    ax.bar(range(len(best)), best.to_numpy(), color=colours, edgecolor="black", linewidth=0.4)
    ax.axhline(-30, ls="--", color="grey", lw=0.8)
    ax.axhline(20, ls="--", color="grey", lw=0.8)
    if len(best) <= 60:
        ax.set_xticks(range(len(best)))
        ax.set_xticklabels(best.index, rotation=90, fontsize=6)
    else:
        ax.set_xticks([])
        ax.set_xlabel(f"{len(best)} subjects (labels omitted; see adtr.tsv)")
    ax.set_ylabel("best % change in sum of diameters")
    ax.set_title(f"Waterfall (colour = {bor_column.upper()}; n = {len(best)} with a measurable "
                 "post-baseline sum)", fontsize=8)
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in BOR_COLOURS.values()]
    # legend outside the axes, so it can never cover a bar
    ax.legend(handles, BOR_COLOURS.keys(), fontsize=6, loc="upper left",
              bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, frameon=False)
    return _save(fig, path)


def plot_spider(timepoints: pd.DataFrame, path: Path) -> Path:
    """% change of SOD from baseline against weeks since baseline."""
    plt = _figure()
    fig, ax = plt.subplots(figsize=(6, 4))
    for _subject, rows in timepoints.groupby("subject"):
        rows = rows[rows["pchg_baseline"].notna() | rows["is_baseline"]].sort_values("date")
        if len(rows) < 2:
            continue
        weeks = (rows["date"] - rows["date"].iloc[0]).dt.days / 7.0
        change = rows["pchg_baseline"].fillna(0.0)
        ax.plot(weeks, change, marker="o", ms=2, lw=0.8)
        pd_rows = rows["overall_response"] == "PD"
        ax.scatter(weeks[pd_rows], change[pd_rows], marker="x", color="red", s=15, zorder=3)
    ax.axhline(-30, ls="--", color="grey", lw=0.8)
    ax.axhline(20, ls="--", color="grey", lw=0.8)
    ax.set_xlabel("weeks since baseline")
    ax.set_ylabel("% change in sum of diameters")
    ax.set_title("Spider plot (x = PD)", fontsize=8)
    return _save(fig, path)


def plot_swimmer(bor: pd.DataFrame, tte: pd.DataFrame, path: Path) -> Path:
    """Time on study per subject, with first response (triangle) and PD (cross) markers."""
    plt = _figure()
    pfs = tte[tte["param"] == "OS"].set_index("subject")
    frame = bor.set_index("subject").join(pfs[["start_date", "days", "event"]], how="inner")
    frame = frame.sort_values("days")
    fig, ax = plt.subplots(figsize=(6, min(14, max(3, 0.18 * len(frame) + 1))))
    for i, (_subject, rec) in enumerate(frame.iterrows()):
        ax.barh(i, rec["days"] / 7.0, color=BOR_COLOURS.get(rec["cbor"], "#969696"),
                edgecolor="black", linewidth=0.3)
        if pd.notna(rec["first_response_date"]):
            ax.plot((rec["first_response_date"] - rec["start_date"]).days / 7.0, i, "k^", ms=3)
        if pd.notna(rec["first_pd_date"]):
            ax.plot((rec["first_pd_date"] - rec["start_date"]).days / 7.0, i, "rx", ms=4)
        if not rec["event"]:
            ax.annotate("", xy=(rec["days"] / 7.0 + 1.5, i), xytext=(rec["days"] / 7.0, i),
                        arrowprops={"arrowstyle": "->", "lw": 0.6})
    if len(frame):
        ax.set_xlim(0, frame["days"].max() / 7.0 * 1.1 + 2)
    if len(frame) <= 60:
        ax.set_yticks(range(len(frame)))
        ax.set_yticklabels(frame.index, fontsize=5)
    else:
        ax.set_yticks([])
        ax.set_ylabel(f"{len(frame)} subjects (labels omitted)")
    ax.set_xlabel("weeks on study (arrow = alive at last contact)")
    ax.set_title("Swimmer plot (colour = confirmed BOR; ▲ first response, x PD)", fontsize=8)
    return _save(fig, path)


def plot_km(tte: pd.DataFrame, param: str, path: Path) -> Path:
    """Kaplan–Meier curve of one parameter with censoring ticks and numbers at risk."""
    import numpy as np
    from lifelines import KaplanMeierFitter

    plt = _figure()
    rows = tte[tte["param"] == param]
    fig, ax = plt.subplots(figsize=(6, 4))
    fitter = KaplanMeierFitter(label=param)
    if not rows.empty:
        fitter.fit(rows["days"], rows["event"])
        fitter.plot_survival_function(ax=ax, show_censors=True, ci_show=True)
        # numbers at risk under the axis (lifelines' add_at_risk_counts fails on pandas 3)
        ticks = [t for t in ax.get_xticks() if 0 <= t <= rows["days"].max()]
        durations = rows["days"].to_numpy()
        at_risk = [int(np.sum(durations >= t)) for t in ticks]
        for t, count in zip(ticks, at_risk, strict=True):
            ax.annotate(str(count), xy=(t, 0), xycoords=("data", "axes fraction"),
                        xytext=(0, -48), textcoords="offset points", ha="center", fontsize=7)
        ax.annotate("at risk", xy=(0, 0), xycoords="axes fraction", xytext=(-40, -48),
                    textcoords="offset points", fontsize=7)
    # a survival probability runs 0-1; a flat curve must not be drawn on a 0.96-1.04 axis
    ax.set_ylim(0.0, 1.05)
    ax.set_xlim(left=0)
    ax.set_xlabel("days")
    ax.set_ylabel("probability")
    ax.set_title(f"Kaplan–Meier: {param} (n = {len(rows)}, events = {int(rows['event'].sum())})",
                 fontsize=8)
    return _save(fig, path)
