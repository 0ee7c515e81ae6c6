"""Pictures of word attributions: a PNG heatmap (matplotlib, Agg) and shap's HTML text plot."""
import html
import io

import numpy as np

from tfcompress.atomic import write_bytes_atomic


def save_heatmap_png(maps, path, title=None, max_sentences=5, width_chars=90):
    """Draw the words of a few sentences coloured by attribution (red: towards the target class,
    blue: against; each sentence scaled to its largest absolute value) and save a PNG.

    Args:
        maps: attribution maps (``words``, ``values``, ``target``).
        path: the ``.png`` to write (atomically).
        title: figure title.
        max_sentences: sentences drawn (the first ones).
        width_chars: characters per line before a sentence wraps.

    Returns:
        ``path``.

    Example:
        >>> save_heatmap_png(integrated_gradients(student, texts[:5]), "ig.png", title="student, IG")
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    maps = list(maps)[:max_sentences]
    if not maps:
        raise ValueError("no attribution maps to draw")
    layouts = [_layout(item["words"][:len(item["values"])], width_chars) for item in maps]
    line_count = sum(max(1, len(lines)) + 1.6 for lines in layouts)
    char_w, line_h = 0.6 * 10 / 72 + 0.004, 0.32  # inches per character (monospace 10 pt) / per line
    fig = plt.figure(figsize=(width_chars * char_w + 0.6, line_count * line_h + 0.8), dpi=110)
    ax = fig.add_axes([0, 0, 1, 1])
    ax.set_xlim(0, width_chars * char_w + 0.6)
    ax.set_ylim(line_count * line_h + 0.8, 0)
    ax.axis("off")
    colormap = plt.get_cmap("RdBu_r")
    y = 0.45
    if title:
        ax.text(0.3, y, title, fontsize=12, fontweight="bold", va="center")
        y += line_h * 1.3
    for number, (item, lines) in enumerate(zip(maps, layouts)):
        values = np.asarray(item["values"], np.float64)
        scale = np.abs(values).max() if len(values) and np.abs(values).max() > 0 else 1.0
        ax.text(0.3, y, f"#{number + 1}  target class {item['target']}   "
                        f"(max |attribution| {scale:.3g}; red: for the class, blue: against)",
                fontsize=8, color="0.35", va="center")
        y += line_h
        for line in lines or [[]]:
            for start, word_index, word in line:
                strength = values[word_index] / scale
                ax.text(0.3 + start * char_w, y, word, family="monospace", fontsize=10, va="center",
                        color="white" if abs(strength) > 0.6 else "black",
                        bbox={"boxstyle": "square,pad=0.15", "facecolor": colormap(0.5 + 0.5 * strength),
                              "edgecolor": "none"})
            y += line_h
        y += line_h * 0.6
    image = io.BytesIO()
    fig.savefig(image, format="png")
    plt.close(fig)
    write_bytes_atomic(image.getvalue(), path)
    return path


def _layout(words, width_chars):
    """Lines of (column, word index, word), wrapping at ``width_chars``."""
    lines, line, column = [], [], 0
    for index, word in enumerate(words):
        if line and column + len(word) > width_chars:
            lines.append(line)
            line, column = [], 0
        line.append((column, index, word))
        column += len(word) + 1
    if line:
        lines.append(line)
    return lines


def save_shap_html(explanation, maps, path, title="shap word attributions"):
    """Write shap's text plot of each explained sentence (its target class) as one HTML page.

    Args:
        explanation: the ``Explanation`` ``shap_attributions`` returns (all classes).
        maps: the maps it returned with it (for each sentence's target class).
        path: the ``.html`` file to write (atomically).
        title: page title.

    Returns:
        ``path``.
    """
    from tfcompress.explain.shap_explainer import import_shap

    shap = import_shap()
    if explanation is None:
        raise ValueError("no shap explanation to plot (no text had a word)")
    parts = []
    with_words = [item for item in maps if item["words"]]
    for row, item in enumerate(with_words):
        single = explanation[row][:, item["target"]]
        parts.append(f"<h3>#{row + 1}: target class {item['target']}</h3>\n"
                     f"{shap.plots.text(single, display=False)}")
    page = (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title></head>\n"
            f"<body>\n<h2>{html.escape(title)}</h2>\n" + "\n<hr>\n".join(parts) + "\n</body></html>\n")
    write_bytes_atomic(page.encode("utf-8"), path)
    return path
