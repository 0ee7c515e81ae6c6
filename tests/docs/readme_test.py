"""The README reads as a user guide: short, a command early, short paragraphs, and links that resolve."""
import os
import re

from tests.docs.user_text import REPO

CODE = re.compile(r"^```.*?^```\n?", re.DOTALL | re.MULTILINE)
GENERATED = re.compile(r"<!-- generated: (\w+) -->.*?<!-- end generated: \1 -->", re.DOTALL)
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def readme():
    with open(os.path.join(REPO, "README.md"), encoding="utf-8") as handle:
        return handle.read()


def paragraphs(text):
    """Runs of prose lines (code blocks, tables and generated blocks left out; each list item on its own)."""
    runs, current = [], []
    for line in GENERATED.sub("", CODE.sub("\n", text)).splitlines():
        if not line.strip() or line.startswith(("|", "#", "<!--")) or re.match(r"\s*([-*]|\d+\.) ", line):
            runs.append(current)
            current = [line] if re.match(r"\s*([-*]|\d+\.) ", line) else []
        else:
            current.append(line)
    return [run for run in runs + [current] if run]


def test_the_readme_is_short_and_starts_with_a_command():
    lines = readme().splitlines()
    assert len(lines) <= 300
    first_shell = next(number for number, line in enumerate(lines, 1) if line.startswith("```bash"))
    assert first_shell <= 40 and "pip install" in "\n".join(lines[first_shell:first_shell + 6])


def test_no_readme_paragraph_is_longer_than_eight_lines():
    long = [run[0][:80] for run in paragraphs(readme()) if len(run) > 8]
    assert not long, long


def test_the_paragraph_splitter_counts_prose_only():
    text = "one\ntwo\n\n```\na\nb\n```\n- item\n  more\n- next\n| a | b |\nlast\n"
    assert paragraphs(text) == [["one", "two"], ["- item", "  more"], ["- next"], ["last"]]


def test_every_relative_link_of_the_readme_and_docs_resolves():
    pages = ["README.md", "CONTRIBUTING.md"] + [os.path.join("docs", name)
                                                 for name in os.listdir(os.path.join(REPO, "docs"))]
    broken = []
    for page in pages:
        with open(os.path.join(REPO, page), encoding="utf-8") as handle:
            for target in LINK.findall(handle.read()):
                if "://" not in target and not os.path.exists(os.path.join(REPO, os.path.dirname(page), target)):
                    broken.append(f"{page}: {target}")
    assert not broken, broken
