"""Charts for tender evaluation and delivery monitoring (matplotlib's object-oriented API:
`Figure` objects, no pyplot state, so they are safe in notebooks, reports and batch jobs)."""

from __future__ import annotations

import textwrap

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from svmodel.procurement.scoring import Evaluation
from svmodel.procurement.monitoring import Monitoring
from svmodel.util.safety import chart_text

COLOURS = {"gross": "#c9d6de", "claimed": "#8fb3c4", "adjusted": "#1b6f8a", "scored": "#0b3d4f",
           "price": "#8fb3c4", "quality": "#1b6f8a", "social value": "#e0a526",
           "committed": "#8fb3c4", "delivered": "#1b6f8a"}


def _name(bidder: str, width: int = 28) -> str:
    """A bidder's name for an axis label: wrapped, so a long name does not squeeze the plot."""
    return chart_text(textwrap.fill(bidder, width, max_lines=3, placeholder="..."))


def _pounds(value: float, _pos: object = None) -> str:
    for limit, suffix in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if abs(value) >= limit:
            return f"£{value / limit:,.3g}{suffix}"
    return f"£{value:,.0f}"


#: What each bar of the social value chart shows (the chart's legend and the report's key).
VALUE_LEGEND: dict[str, str] = {
    "gross": "Gross: the commitments as offered, nothing taken off",
    "claimed": "Claimed: less the bidder's own deadweight and attribution",
    "adjusted": "Adjusted: less the buyer's deadweight, displacement and attribution",
    "scored": "Scored: adjusted, less unevidenced or moderated commitments",
}


def social_value_by_bid(evaluation: Evaluation, figsize: tuple[float, float] = (7.5, 4.2)) -> Figure:
    """Gross, claimed, buyer-adjusted and scored present value per bid on a linear scale, each
    bar labelled with its value, the plausibility limit as a dashed line and a legend saying
    what each kind of value is (VALUE_LEGEND). Linear, not log: a panel compares lengths, and an
    inflated bid should look as much larger as it claims to be."""
    bids = sorted(evaluation.bids, key=lambda b: b.rank, reverse=True)  # rank 1 at the top
    spec = evaluation.spec
    limit_share = spec.model.flags.max_share_of_contract
    limit = spec.contract_value * limit_share
    height_in = max(figsize[1], 1.6 + 0.75 * len(bids))
    fig = Figure(figsize=(figsize[0], height_in), layout="constrained")
    ax = fig.add_subplot()
    kinds = ("gross", "claimed", "adjusted", "scored")  # top to bottom within each bid
    height = 0.8 / len(kinds)
    y = np.arange(len(bids))
    largest = max([limit, *[getattr(b, k) for b in bids for k in kinds]], default=limit) or 1.0
    for i, kind in enumerate(kinds):
        values = [getattr(b, kind) for b in bids]
        offset = (1.5 - i) * height
        ax.barh(y + offset, values, height, label=VALUE_LEGEND[kind], color=COLOURS[kind])
        for yy, value in zip(y, values):
            ax.text(value + largest * 0.008, yy + offset, _pounds(value), va="center", fontsize=6.5,
                    color="#1d2a33", zorder=4,
                    bbox={"boxstyle": "square,pad=0.05", "facecolor": "white", "edgecolor": "none"})
    ax.set_xlim(0, largest * 1.14)  # room for the value labels
    ax.xaxis.set_major_formatter(FuncFormatter(_pounds))
    ax.set_yticks(y, [_name(b.bidder) for b in bids], fontsize=8)
    ax.set_xlabel(f"present value, {spec.price_year} prices", fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    ax.axvline(limit, color="#a02828", linestyle="--", linewidth=1, zorder=3,
               label=f"Plausibility limit: {limit_share * 100:g}% of the contract value")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    # The title is a figure title, laid out with the figure (never clipped by a long legend).
    fig.suptitle("Social value per bid: as offered and as the buyer values it", x=0.01,
                 ha="left", fontsize=10, fontweight="bold")
    fig.legend(fontsize=7, loc="outside lower left", ncols=2, frameon=False)
    return fig


def weighted_scores(evaluation: Evaluation, figsize: tuple[float, float] = (7.5, 2.8)) -> Figure:
    """Price, quality and social value points per bid, stacked (out of 100)."""
    bids = sorted(evaluation.bids, key=lambda b: b.rank, reverse=True)
    fig = Figure(figsize=(figsize[0], max(figsize[1], 1.2 + 0.6 * len(bids))), layout="constrained")
    ax = fig.add_subplot()
    left = np.zeros(len(bids))
    for kind, values in (("price", [b.price or 0.0 for b in bids]), ("quality", [b.quality or 0.0 for b in bids]),
                         ("social value", [b.sv_score for b in bids])):
        ax.barh(np.arange(len(bids)), values, left=left, label=kind, color=COLOURS[kind])
        left += np.asarray(values)
    for y, total in enumerate(left):
        ax.text(total + 0.8, y, f"{total:.1f}", va="center", fontsize=8)
    ax.set_yticks(np.arange(len(bids)), [_name(b.bidder) for b in bids], fontsize=8)
    ax.set_xlim(0, 105)
    ax.set_xlabel("points out of 100")
    ax.set_title("Weighted score", loc="left", fontsize=10)
    fig.legend(fontsize=8, loc="outside right upper")
    return fig


def delivery_variance(monitoring: Monitoring, figsize: tuple[float, float] = (7.5, 3.2)) -> Figure:
    """Value committed to date against value delivered, by valued measure."""
    table = monitoring.table[monitoring.table["basis"] != "count only"]
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.add_subplot()
    x = np.arange(len(table))
    ax.bar(x - 0.2, table["committed_value_to_date"], 0.4, label="committed to date", color=COLOURS["committed"])
    ax.bar(x + 0.2, table["delivered_value"], 0.4, label="delivered", color=COLOURS["delivered"])
    ax.set_xticks(x, [chart_text(m) for m in table["measure"]])
    ax.yaxis.set_major_formatter(FuncFormatter(_pounds))
    ax.set_ylabel(f"present value, {monitoring.spec.price_year} prices")
    ax.set_title(f"Delivery against commitments: {chart_text(monitoring.supplier)}", loc="left", fontsize=10)
    ax.legend(fontsize=8)
    return fig
