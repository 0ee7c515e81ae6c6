"""The run report (report.md, report.html) of a real quick run, also rendered in headless Chromium."""
import copy
import html
import json
import os
import re
import signal
import subprocess
import urllib.parse

import pytest

from tfcompress.report import write_report

CHROMIUM = "/usr/bin/chromium"
requires_chromium = pytest.mark.skipif(
    not os.path.exists(CHROMIUM), reason="needs Debian's Chromium at /usr/bin/chromium (`make setup` installs it)")


@pytest.fixture(scope="module")
def quick_report(quick_run):
    """The quick run's folder and its metrics as metrics.json holds them (what the report was made from)."""
    out, _ = quick_run
    return out, json.loads((out / "metrics.json").read_text())


def image_sources(page):
    return [html.unescape(src) for src in re.findall(r'<img src="([^"]*)"', page)]


def read_report(out):
    return (out / "report.md").read_text(), (out / "report.html").read_text()


def value_or_empty(section, key):
    return section[key] if isinstance(section, dict) else {}


def explained_methods(metrics):
    """Every (model, method) summary of the explanations section."""
    return [method for result in value_or_empty(metrics["explanations"], "models").values()
            for method in result["methods"].values()]


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


def test_every_picture_of_the_page_is_a_file_in_the_run_folder(quick_report):
    out, metrics = quick_report
    markdown, page = read_report(out)
    sources = image_sources(page)
    assert "report_files/accuracy_size.png" in sources
    assert len(sources) == 1 + isinstance(metrics["robustness"], dict) + bool(explained_methods(metrics)) \
        + len(explained_methods(metrics)) + isinstance(metrics["personalization"]["evaluation"], dict)
    for source in sources:
        path = out / urllib.parse.unquote(source)
        assert path.is_file() and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", source
        assert f"]({source})" in markdown


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


def test_pictures_outside_the_report_folder_are_copied_next_to_it(quick_report, tmp_path):
    out, metrics = quick_report
    write_report(metrics, str(tmp_path))
    markdown, page = read_report(tmp_path)
    assert explained_methods(metrics), metrics["explanations"]
    for method in explained_methods(metrics):
        name = os.path.basename(method["files"]["png"])
        assert f"report_files/{name}" in image_sources(page)
        assert (tmp_path / "report_files" / name).read_bytes() == (out / "explanations" / name).read_bytes()


def chromium(arguments, profile, timeout=180):
    """Run headless Chromium; killed (its whole process group) when it takes longer than ``timeout``."""
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--disable-dev-shm-usage", f"--user-data-dir={profile}", *arguments]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail(f"chromium did not finish within {timeout}s and was killed: {' '.join(command)}")
    assert process.returncode == 0, stderr[-3000:]
    return stdout


IMAGE_CHECK = """<script>
window.addEventListener("load", function () {
  var images = Array.prototype.slice.call(document.images);
  document.body.setAttribute("data-images-total", images.length);
  document.body.setAttribute("data-images-loaded",
                             images.filter(function (image) { return image.naturalWidth > 0; }).length);
});
</script>
"""


@requires_chromium
def test_the_page_renders_in_headless_chromium_with_every_picture_loaded(quick_report, tmp_path):
    from PIL import Image

    out, _ = quick_report
    page = (out / "report.html").read_text()
    screenshot = tmp_path / "report.png"
    chromium([f"--screenshot={screenshot}", "--window-size=1280,4000", (out / "report.html").as_uri()],
             tmp_path / "profile-screenshot")
    with Image.open(screenshot) as image:
        assert image.size == (1280, 4000)
        colours = image.convert("RGB").getcolors(maxcolors=1 << 24)
    assert len(colours) > 500, f"the screenshot looks blank: {len(colours)} colours"

    # The same page, from a copy that resolves its links in the run folder, counts its loaded pictures.
    checked = tmp_path / "report_checked.html"
    checked.write_text(page.replace("<head>", f'<head>\n<base href="{out.as_uri()}/">', 1)
                       .replace("</body>", IMAGE_CHECK + "</body>", 1))
    dom = chromium(["--dump-dom", "--virtual-time-budget=5000", checked.as_uri()], tmp_path / "profile-dom")
    total = re.search(r'data-images-total="(\d+)"', dom)
    loaded = re.search(r'data-images-loaded="(\d+)"', dom)
    assert total and loaded, "the page's load event did not fire within the time budget"
    expected = len(image_sources(page))
    assert expected >= 2 and int(total.group(1)) == expected
    assert int(loaded.group(1)) == expected
