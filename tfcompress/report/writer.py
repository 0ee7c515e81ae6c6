"""The entry point: ``write_report(metrics, out_dir)`` writes ``report.md``, ``report.html`` and the plots."""
import os

from tfcompress.atomic import write_text_atomic
from tfcompress.report.assets import Assets
from tfcompress.report.html_page import to_html
from tfcompress.report.markdown_page import to_markdown
from tfcompress.report.sections import page_title, report_blocks


def write_report(metrics, out_dir):
    """Write ``out_dir/report.md``, ``out_dir/report.html`` and their plots (``out_dir/report_files/``).

    Args:
        metrics: the metrics dict of a run (what ``metrics.json`` holds; see ``docs/metrics.md``).
        out_dir: the run's output folder (where ``metrics.json`` is).

    Returns:
        ``{"md": path, "html": path}``.

    Example:
        >>> write_report(json.load(open("runs/quick/metrics.json")), "runs/quick")
    """
    out_dir = os.path.abspath(out_dir)
    assets = Assets(out_dir)
    blocks = report_blocks(metrics, assets)
    assets.remove_stale_files()
    paths = {"md": os.path.join(out_dir, "report.md"), "html": os.path.join(out_dir, "report.html")}
    write_text_atomic(to_markdown(blocks), paths["md"])
    write_text_atomic(to_html(blocks, title=page_title(metrics)), paths["html"])
    return paths
