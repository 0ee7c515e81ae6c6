"""The run report: ``report.md`` and ``report.html`` (with PNG plots) from the metrics of a run.

``write_report(metrics, out_dir)`` turns the ``metrics.json`` dict (schema in ``docs/metrics.md``)
into one list of blocks (headings, facts, tables, pictures) and renders that list twice: as Markdown
and as a standalone HTML page with inline CSS. Plots are drawn with matplotlib (Agg) into
``out_dir/report_files/``; the explanation heatmaps and shap pages the run wrote are referenced
where they lie (a heatmap outside ``out_dir`` is copied into ``report_files/``). Both pages use
relative paths, so the run folder can be moved or zipped whole.

A section that metrics.json gives as a string (``"not_built"``, ``"skipped: ..."``,
``"not measured: ..."``, ``"off"``) is shown as that string; a value that is missing is shown as
``n/a``. No number is made up.

Files are written atomically with ``tfcompress.atomic``; the plots need matplotlib (without it the
report says so in place of each plot).

The modules:

- ``blocks``: what the report says (``Heading``, ``Facts``, ``Table``, ``Image``, ...), independent of
  Markdown or HTML;
- ``values``: reading metrics and formatting values (``n/a`` where a value is missing);
- ``sections``: the metrics as blocks, one function per section (``report_blocks``: all of them);
- ``plots``: the matplotlib plots (``draw_*``);
- ``assets``: where the plots go (``report_files/``) and how the pages link to the run's files;
- ``markdown_page`` and ``html_page``: the two renderings of the blocks;
- ``writer``: ``write_report``, the entry point.

Example:
    >>> from tfcompress.report import write_report
    >>> write_report(json.load(open("runs/quick/metrics.json")), "runs/quick")
"""
from tfcompress.report.assets import FILES_DIR, Assets
from tfcompress.report.blocks import Absent, Details, Facts, Heading, Image, Link, Paragraph, Table, quote_href
from tfcompress.report.html_page import CSS, NUMBER, html_block, html_cell, html_inline, slug, to_html
from tfcompress.report.markdown_page import markdown_block, markdown_cell, markdown_inline, to_markdown
from tfcompress.report.plots import (draw_accuracy_and_size, draw_deletion_curves, draw_grouped_bars,
                                     draw_personalization_gains, draw_robustness, label_bars)
from tfcompress.report.sections import (
    absent_row, accuracy_bars, aopc_blocks, at_a_glance, describe_adversarial_texts, describe_dataset, describe_dp,
    describe_embedding_init, describe_on_device, distillation_facts, evaluation_blocks, explanations_section,
    federated_blocks, fidelity_blocks, file_link, header_section, heatmap_blocks, model_name, models_section,
    page_title, params_ratio, personalization_section, qat_row, report_blocks, robustness_row, robustness_section,
    size_bars, split_fidelity_key, stages_section, student_row, teacher_row, tflite_facts, tflite_row)
from tfcompress.report.values import (MISSING, MODEL_COLORS, MODEL_LABELS, fmt, fmt_bytes, fmt_params, short_count,
                                      value_at)
from tfcompress.report.writer import write_report

__all__ = [
    "write_report", "report_blocks", "page_title", "to_markdown", "to_html", "Assets", "FILES_DIR",
    # blocks
    "Absent", "Details", "Facts", "Heading", "Image", "Link", "Paragraph", "Table", "quote_href",
    # values
    "MISSING", "MODEL_COLORS", "MODEL_LABELS", "fmt", "fmt_bytes", "fmt_params", "short_count", "value_at",
    # sections
    "absent_row", "accuracy_bars", "aopc_blocks", "at_a_glance", "describe_adversarial_texts", "describe_dataset",
    "describe_dp", "describe_embedding_init", "describe_on_device", "distillation_facts", "evaluation_blocks",
    "explanations_section", "federated_blocks", "fidelity_blocks", "file_link", "header_section", "heatmap_blocks",
    "model_name", "models_section", "params_ratio", "personalization_section", "qat_row", "robustness_row",
    "robustness_section", "size_bars", "split_fidelity_key", "stages_section", "student_row", "teacher_row",
    "tflite_facts", "tflite_row",
    # plots
    "draw_accuracy_and_size", "draw_deletion_curves", "draw_grouped_bars", "draw_personalization_gains",
    "draw_robustness", "label_bars",
    # rendering
    "CSS", "NUMBER", "html_block", "html_cell", "html_inline", "slug", "markdown_block", "markdown_cell",
    "markdown_inline",
]
