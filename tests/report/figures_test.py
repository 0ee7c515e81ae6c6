"""report.md and report.html show the figures of metrics.json, and a section given as a string as that string."""
import copy
import html
import os

from tests.report.conftest import explained_methods, image_sources, read_report, value_or_empty
from tfcompress.report import write_report


def test_the_fixture_is_a_full_stack_quick_run_with_every_section_measured(quick_report):
    """So that every branch below that reads a measured section is taken, on both stacks."""
    _, metrics = quick_report
    assert metrics["preset"] == "quick"
    for name in ("teacher", "student", "qat", "tflite", "distill", "robustness", "explanations", "personalization"):
        assert isinstance(metrics[name], dict), (name, metrics[name])
    assert isinstance(metrics["personalization"]["evaluation"], dict), metrics["personalization"]["evaluation"]
    assert explained_methods(metrics)


def test_quick_run_writes_both_reports_with_the_figures_of_metrics_json(quick_report):
    out, metrics = quick_report
    markdown, page = read_report(out)
    teacher, student, tflite = metrics["teacher"], metrics["student"], metrics["tflite"]
    for text in (markdown, page):
        assert f"teacher ({teacher['name']})" in text and f"student ({student['name']})" in text
        for accuracy in (teacher["test_accuracy"], student["test_accuracy"], tflite["test_accuracy"],
                         tflite["parity"]):
            assert f"{accuracy:.4f}" in text
        assert f"{teacher['params']:,}" in text and f"{student['params']:,}" in text
        assert f"{tflite['bytes']:,} bytes" in text
        for stage in metrics["stages"].values():
            assert f"{stage['seconds']:.1f}" in text
        assert metrics["versions"]["tensorflow"] in text
    assert "| teacher (bilstm)" in markdown and "| personalization |" in markdown


def test_every_measured_or_unmeasured_section_is_in_the_report(quick_report):
    out, metrics = quick_report
    markdown, page = read_report(out)
    for name in ("qat", "robustness", "explanations", "personalization"):
        if isinstance(metrics[name], str):
            assert metrics[name] in markdown and html.escape(metrics[name]) in page
    if isinstance(metrics["qat"], dict):
        assert f"{metrics['qat']['test_accuracy']:.4f}" in markdown
    robustness = metrics["robustness"]
    if isinstance(robustness, dict):
        for results in robustness["models"].values():
            for result in results.values():
                assert f"{result['accuracy_under_attack']:.3f}" in markdown
        assert "report_files/robustness.png" in image_sources(page)
    explanations = metrics["explanations"]
    for scores in value_or_empty(explanations, "fidelity").values():
        assert f"{scores['spearman']:.3f}" in markdown
    for method in explained_methods(metrics):
        assert f"{method['aopc']:.4f}" in markdown
        assert os.path.relpath(method["files"]["png"], out) in image_sources(page)
        if "html" in method["files"]:
            assert f'href="{os.path.relpath(method["files"]["html"], out)}"' in page
    evaluation = metrics["personalization"]["evaluation"]
    if isinstance(evaluation, dict):
        for row in evaluation["clients"]:
            assert f"| {row['client']} |" in markdown
        assert "report_files/personalization_gains.png" in image_sources(page)
    else:
        assert evaluation in markdown and html.escape(evaluation) in page


def sections_as_strings(metrics):
    """The real metrics with whole sections (and the personalization's parts) given as strings."""
    changed = copy.deepcopy(metrics)
    changed.update({"teacher": "not_built", "qat": "not supported for this student: <no> & \"QAT\"",
                    "robustness": "skipped: robustness_examples is 0", "explanations": "not_built",
                    "tflite": "not_built", "distill": "not_built"})
    if isinstance(changed["personalization"], dict):
        changed["personalization"]["federated"] = "not measured: TFF is not installed (current stack)"
        changed["personalization"]["evaluation"] = "not measured: TFF is not installed (current stack)"
    return changed


def test_sections_given_as_strings_are_shown_as_those_strings(quick_report, tmp_path):
    _, metrics = quick_report
    changed = sections_as_strings(metrics)
    write_report(changed, str(tmp_path))
    markdown, page = read_report(tmp_path)
    strings = [changed[name] for name in ("teacher", "qat", "robustness", "explanations", "tflite", "distill")]
    strings.append(changed["personalization"]["evaluation"])
    for text in strings:
        assert text in markdown and html.escape(text) in page
    assert "<no>" not in page
    assert f"{metrics['student']['test_accuracy']:.4f}" in markdown
    assert "| teacher (bilstm) | not_built |" in markdown
    assert "robustness.png" not in page and "personalization_gains.png" not in page
    assert image_sources(page) == ["report_files/accuracy_size.png"]
    assert sorted(os.listdir(tmp_path / "report_files")) == ["accuracy_size.png"]

    write_report({**changed, "personalization": "skipped: no clients", "student": "not_built"}, str(tmp_path))
    markdown, page = read_report(tmp_path)
    assert "**personalization:** skipped: no clients" in markdown
    assert image_sources(page) == [] and os.listdir(tmp_path / "report_files") == []


def test_the_gain_plot_counts_and_names_the_clients_made_worse():
    from matplotlib.figure import Figure

    from tfcompress.report.plots import draw_personalization_gains

    rows = [{"client": f"movie_{i}", "gain_points": gain}
            for i, gain in enumerate([0.0] * 26 + [9.1, 16.7, -8.3, -9.1])]
    figure = Figure()
    draw_personalization_gains(figure, rows)
    axes = figure.axes[0]
    assert axes.get_title().endswith("2 of 30 clients made worse")
    assert sorted(text.get_text() for text in axes.texts) == ["movie_28", "movie_29"]
