"""Every picture of report.html is a PNG in the run folder; heatmaps from elsewhere are copied next to the report."""
import os
import urllib.parse

from tests.report.conftest import explained_methods, image_sources, read_report
from tfcompress.report import write_report


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


def test_pictures_outside_the_report_folder_are_copied_next_to_it(quick_report, tmp_path):
    out, metrics = quick_report
    write_report(metrics, str(tmp_path))
    markdown, page = read_report(tmp_path)
    assert explained_methods(metrics), metrics["explanations"]
    for method in explained_methods(metrics):
        name = os.path.basename(method["files"]["png"])
        assert f"report_files/{name}" in image_sources(page)
        assert (tmp_path / "report_files" / name).read_bytes() == (out / "explanations" / name).read_bytes()
