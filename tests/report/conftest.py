"""The report of a real quick run, rebuilt from the committed fixture ``tests/fixtures/quick_run``.

The report is a pure function of ``metrics.json`` and of the files the run wrote next to it (heatmaps,
shap pages, attack CSVs, the .tflite files it links to), so these tests need no pipeline run: the
fixture folder is copied into a temporary folder, the run folder's placeholder in its metrics.json
(``RUN_FOLDER``) is replaced by that folder's absolute path (what a live run there would have
written), and ``write_report`` writes ``report.md`` and ``report.html`` there as the run does at
its end. ``tests/fixtures/README.md`` says how the fixture was made.
"""
import html
import json
import pathlib
import re
import shutil

import pytest

from tfcompress.report import write_report

FIXTURE = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "quick_run"
RUN_FOLDER = "@RUN_FOLDER@"  # the run's --out folder, as it stands in the committed metrics.json


def copy_quick_run(folder):
    """The fixture run folder copied to ``folder``, with its metrics.json pointing into ``folder``."""
    shutil.copytree(FIXTURE, folder, dirs_exist_ok=True)
    metrics_path = folder / "metrics.json"
    text = metrics_path.read_text()
    assert RUN_FOLDER in text, f"{metrics_path} names no file of the run folder as {RUN_FOLDER}"
    metrics_path.write_text(text.replace(RUN_FOLDER, json.dumps(str(folder))[1:-1]))
    return folder


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory):
    """A quick run's folder with the report written as the run writes it, and its metrics as metrics.json
    holds them (what the report was made from)."""
    out = copy_quick_run(tmp_path_factory.mktemp("quick"))
    metrics = json.loads((out / "metrics.json").read_text())
    write_report(metrics, str(out))
    return out, metrics


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
