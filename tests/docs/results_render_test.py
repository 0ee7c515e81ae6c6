"""One source for every figure: docs/results.md and the generated blocks of the README, the docs and the CLI's
preset times are exactly what benchmarks/render.py makes of the committed results, and the prose around them quotes
no measured figure of its own."""
import importlib.util
import os
import re

from tests.docs.user_text import REPO

# Measured figures: accuracies and shares with 3+ decimals, byte counts, seconds, microseconds.
FIGURE = re.compile(r"\b0\.\d{3,}\b|(?<![-\w])\d[\d,]* bytes\b|(?<!every )(?<![\d.,])\b\d[\d,.]* ?(?:s|us|ms|seconds|minutes|hours)\b(?! ?[(/])")
GENERATED = re.compile(r"<!-- generated: (\w+) -->.*?<!-- end generated: \1 -->", re.DOTALL)
CODE = re.compile(r"```.*?```", re.DOTALL)
# Pages that are generated whole (results by benchmarks/render.py, settings by `tfcompress config reference`).
WHOLE_PAGES = ("results.md", "configuration.md")


def load_render():
    spec = importlib.util.spec_from_file_location("render", os.path.join(REPO, "benchmarks", "render.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_pages_and_blocks_match_the_committed_results():
    render = load_render()
    assert render.stale_files() == [], "run: python benchmarks/render.py"
    assert {"headline", "main_job", "preset_seconds"} <= set(render.blocks())


def test_the_readme_holds_the_headline_table():
    with open(os.path.join(REPO, "README.md"), encoding="utf-8") as handle:
        readme = handle.read()
    assert "<!-- generated: headline -->" in readme and load_render().blocks()["headline"] in readme


def _prose(text):
    return CODE.sub("", GENERATED.sub("", text))


def test_prose_outside_the_generated_blocks_quotes_no_measured_figure():
    pages = ["README.md", "CONTRIBUTING.md"] + [os.path.join("docs", name) for name in
                                                 sorted(os.listdir(os.path.join(REPO, "docs")))
                                                 if name.endswith(".md") and name not in WHOLE_PAGES]
    found = []
    for page in pages:
        path = os.path.join(REPO, page)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as handle:
                found += [f"{page}: {match}" for match in FIGURE.findall(_prose(handle.read()))]
    assert not found, "figures outside the generated blocks (render them from the results):\n" + "\n".join(found)


def test_the_figure_pattern_finds_figures_and_leaves_settings_alone():
    assert FIGURE.findall("test accuracy 0.7662, 96,218 bytes, 128 s, 37.6 us") == \
        ["0.7662", "96,218 bytes", "128 s", "37.6 us"]
    assert FIGURE.findall("Python 3.11, TF 2.14, weight 0.5, <= 100 KB, 3,000 words, UTF-8 bytes, every 0.2 s") == []
