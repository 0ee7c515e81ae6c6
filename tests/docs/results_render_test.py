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


def test_the_readme_headline_comes_from_the_paper_benchmark_once_every_row_is_measured():
    render = load_render()
    figures = ("clean_accuracy", "deepwordbug_accuracy", "pruthi_accuracy", "pwws_accuracy", "textfooler_accuracy",
               "certified_typo_accuracy", "fidelity_spearman", "bytes", "latency_us", "train_seconds")

    def row(name, clean, seeds):
        entry = {"row": name, "model": f"model {name}", "seeds": seeds, **{figure: None for figure in figures}}
        entry.update({f"{figure}_std": None for figure in figures})
        entry.update(clean_accuracy=clean, clean_accuracy_std=0.01 if seeds else None, bytes=90_000)
        return entry
    paper = {"rows": [row("teacher", 0.83, []), row("ours_float_unused", 0.9, [0]),
                      row("ours_default_int8", 0.7712, [0, 1, 2])],
             "measured_rows": {"teacher": {}}, "left": [], "seeds": [0, 1, 2], "num_examples": 500}
    assert render.paper_finished(paper) and not render.paper_finished({**paper, "left": ["tfidf"]})
    headline = render.paper_headline(paper)
    assert "test accuracy 0.8300" in headline and "| model ours_default_int8 | 0, 1, 2 | 0.7712 ± 0.0100 |" in headline
    assert headline.index("ours_default_int8") < headline.index("model teacher")  # ours first, the teacher last
    assert "ours_float_unused" not in headline
