"""The plots of the report: each ``draw_*`` draws into a given matplotlib ``Figure``.

``Assets.plot`` (``tfcompress.report.assets``) makes the figure and writes it as a PNG; numpy and
matplotlib are imported only when a plot is drawn.
"""
from tfcompress.report.values import MISSING, MODEL_LABELS, short_count, value_at


def label_bars(axes, bars, pattern):
    axes.bar_label(bars, labels=[pattern.format(bar.get_height()) for bar in bars], padding=2, fontsize=8)


def draw_accuracy_and_size(figure, accuracy, sizes):
    params, tflite_bytes = sizes
    left, right = figure.subplots(1, 2, width_ratios=[3, 2])
    bars = left.bar([label for label, _, _ in accuracy], [value for _, value, _ in accuracy], width=0.6,
                    color=[color for _, _, color in accuracy])
    label_bars(left, bars, "{:.4f}")
    left.set_xlim(-0.6, max(len(accuracy), 4) - 0.4)  # a lone bar keeps its width
    left.set_ylim(0, 1.08)
    left.set_ylabel("test accuracy")
    left.set_title("Test accuracy")
    if params:
        bars = right.bar([role for role, _, _ in params], [count for _, count, _ in params], width=0.6,
                         color=[color for _, _, color in params])
        right.bar_label(bars, labels=[short_count(count) for _, count, _ in params], padding=2, fontsize=9)
        right.set_xlim(-0.6, 1.6)
        right.set_yscale("log")
        right.set_ylim(min(count for _, count, _ in params) / 20, max(count for _, count, _ in params) * 4)
        right.set_ylabel("parameters (log scale)")
    title = "Size"
    if tflite_bytes:
        title += f" (the student's int8 .tflite: {tflite_bytes / 1024:.1f} KiB)"
    right.set_title(title, fontsize=10)
    for axes in (left, right):
        axes.spines[["top", "right"]].set_visible(False)


def draw_robustness(figure, models, recipes):
    import numpy as np

    left, right = figure.subplots(1, 2, width_ratios=[3, 2])
    names = list(models)
    x = np.arange(len(names))
    series = [("clean", [value_at(models[name], recipes[0], "clean_accuracy") if recipes else None
                         for name in names])]
    series += [(recipe, [value_at(models[name], recipe, "accuracy_under_attack") for name in names])
               for recipe in recipes]
    colors = ["#7f7f7f", "#c44e52", "#dd8452", "#937860", "#da8bc3", "#8c8c8c", "#ccb974"]
    draw_grouped_bars(left, x, series, colors)
    left.set_ylabel("accuracy")
    left.set_title("Clean accuracy and accuracy under attack")
    rates = [(recipe, [value_at(models[name], recipe, "attack_success_rate") for name in names]) for recipe in recipes]
    draw_grouped_bars(right, x, rates, colors[1:])
    right.set_ylabel("attack success rate")
    right.set_title("Attack success rate")
    for axes in (left, right):
        axes.set_xticks(x, [MODEL_LABELS.get(name, name).replace(" (", "\n(") for name in names])
        axes.set_ylim(0, 1.12)
        axes.spines[["top", "right"]].set_visible(False)
    left.legend(loc="upper center", ncols=len(series), fontsize=8, frameon=False, bbox_to_anchor=(0.5, 1.0))


def draw_grouped_bars(axes, x, series, colors):
    """One bar per series in each group; missing values (None) are left out."""
    width = 0.8 / max(1, len(series))
    for index, (name, values) in enumerate(series):
        offset = (index - (len(series) - 1) / 2) * width
        points = [(position + offset, value) for position, value in zip(x, values) if value is not None]
        if points:
            bars = axes.bar([p for p, _ in points], [v for _, v in points], width, label=name,
                            color=colors[index % len(colors)])
            axes.bar_label(bars, labels=[f"{v:.2f}" for _, v in points], padding=1, fontsize=6.5)


def draw_deletion_curves(figure, curves):
    panels = [(model, methods) for model, methods in curves.items() if methods]
    axes_list = figure.subplots(1, len(panels), sharey=True, squeeze=False)[0]
    colors = {"shap": "#4c72b0", "integrated_gradients": "#c44e52"}
    legend = {}
    for axes, (model, methods) in zip(axes_list, panels):
        drawn_random = []
        for method, summary in methods.items():
            color = colors.get(method, "#55a868")
            if summary.get("curve"):
                line, = axes.plot(range(len(summary["curve"])), summary["curve"], color=color, marker="o",
                                  markersize=3)
                legend.setdefault(method.replace("_", " "), line)
            random = summary.get("curve_random")
            if random and random not in drawn_random:  # the methods share the seeded random orders
                line, = axes.plot(range(len(random)), random, color="#8c8c8c", linestyle="--")
                legend.setdefault("random deletion order", line)
                drawn_random.append(random)
        scores = ", ".join(f"{method.replace('_', ' ')} {summary['aopc']:.3f}" for method, summary in methods.items()
                           if summary.get("aopc") is not None)
        axes.set_title(f"{MODEL_LABELS.get(model, model)}\nAOPC: {scores or MISSING}", fontsize=9)
        axes.set_xlabel("words deleted")
        axes.spines[["top", "right"]].set_visible(False)
    axes_list[0].set_ylabel("mean probability of the target class")
    figure.legend(list(legend.values()), list(legend), loc="outside lower center", ncols=len(legend), fontsize=8,
                  frameon=False)


def draw_personalization_gains(figure, rows):
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    axes = figure.subplots()
    rows = sorted(rows, key=lambda row: row.get("gain_points") or 0.0)  # sorted: the gains' distribution
    gains = [row.get("gain_points") or 0.0 for row in rows]
    colors = ["#55a868" if gain > 0 else "#c44e52" if gain < 0 else "#9e9e9e" for gain in gains]
    bars = axes.bar(range(len(rows)), gains, color=colors, width=0.7)
    if len(rows) <= 24:
        axes.bar_label(bars, labels=[f"{gain:+.1f}" if gain else "" for gain in gains], padding=2, fontsize=7)
    finetuned = [(index, 100 * (row["accuracy_finetuned"] - row["accuracy_before"])) for index, row in enumerate(rows)
                 if row.get("accuracy_finetuned") is not None and row.get("accuracy_before") is not None]
    if finetuned:
        axes.scatter([i for i, _ in finetuned], [v for _, v in finetuned], marker="x", color="black", zorder=3)
    axes.axhline(0, color="black", linewidth=0.8)
    axes.axhline(-2, color="#c44e52", linewidth=0.8, linestyle=":")
    crowded = len(rows) > 8
    if len(rows) > 24:
        axes.set_xticks([])
        axes.set_xlabel(f"{len(rows)} clients, sorted by gain")
        for index, gain in enumerate(gains):  # name every client made worse, the ones a user asks about
            if gain < 0:
                axes.annotate(str(rows[index].get("client")), (index, gain), xytext=(2, -10), textcoords="offset points",
                              fontsize=7, color="#c44e52")
    else:
        axes.set_xticks(range(len(rows)), [str(row.get("client")) for row in rows], rotation=45 if crowded else 0,
                        ha="right" if crowded else "center", fontsize=8)
    axes.set_ylabel("accuracy gain (points)")
    worse = sum(gain < 0 for gain in gains)
    axes.set_title(f"Per-client accuracy gain from personalization: {worse} of {len(rows)} clients made worse")
    axes.legend([Patch(color="#55a868"), Patch(color="#c44e52"),
                 Line2D([], [], marker="x", color="black", linestyle="none"),
                 Line2D([], [], color="#c44e52", linewidth=0.8, linestyle=":")],
                ["gain kept", "loss kept", "the client's choice, before its keep/revert decision", "-2 points"],
                fontsize=8, frameon=False, loc="upper right")
    axes.spines[["top", "right"]].set_visible(False)
