"""The repository's user-facing text, line by line: README, docs/, android/, notebooks' markdown cells and the
package's comments and string literals (docstrings, messages). Each line comes with where it is (path:line)."""
import glob
import io
import json
import os
import tokenize

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MARKDOWN = ("README.md", "CONTRIBUTING.md", "docs/*.md", "android/README.md", "tfcompress/**/*.md")
KOTLIN = ("android/src/**/*.kt",)


def _files(patterns):
    for pattern in patterns:
        yield from sorted(glob.glob(os.path.join(REPO, pattern), recursive=True))


def _relative(path):
    return os.path.relpath(path, REPO)


def _plain_lines(path):
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            yield f"{_relative(path)}:{number}", line


def _notebook_lines(path):
    with open(path, encoding="utf-8") as handle:
        cells = json.load(handle)["cells"]
    for index, cell in enumerate(cells):
        if cell["cell_type"] == "markdown":
            for number, line in enumerate("".join(cell["source"]).splitlines(), 1):
                yield f"{_relative(path)}: cell {index} line {number}", line


def _python_text(path):
    """Comments and string literals of a Python file, each line with its line number."""
    with open(path, encoding="utf-8") as handle:
        source = handle.read()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in (tokenize.COMMENT, tokenize.STRING):
            for offset, line in enumerate(token.string.splitlines()):
                yield f"{_relative(path)}:{token.start[0] + offset}", line


def user_text_lines():
    """(where, line) for every line of user-facing text in the repository."""
    for path in _files(MARKDOWN + KOTLIN):
        yield from _plain_lines(path)
    for path in _files(("notebooks/*.ipynb",)):
        yield from _notebook_lines(path)
    for path in _files(("tfcompress/**/*.py",)):
        yield from _python_text(path)
