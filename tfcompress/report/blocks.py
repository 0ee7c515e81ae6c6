"""Blocks: what the report says, independent of Markdown or HTML.

``tfcompress.report.sections`` turns a run's metrics into a list of these; ``markdown_page`` and
``html_page`` render that one list.
"""
import dataclasses
import urllib.parse


@dataclasses.dataclass
class Heading:
    text: str
    level: int = 2


@dataclasses.dataclass
class Paragraph:
    text: str


@dataclasses.dataclass
class Absent:
    """A section (or part of one) that metrics.json gives as a string: shown as that string."""
    what: str
    text: str


@dataclasses.dataclass
class Link:
    text: str
    href: str


@dataclasses.dataclass
class Facts:
    """Label/value pairs (a value may be a ``Link``); ``cards`` draws them as big tiles in HTML."""
    items: list
    cards: bool = False


@dataclasses.dataclass
class Table:
    header: list
    rows: list


@dataclasses.dataclass
class Image:
    src: str
    caption: str


@dataclasses.dataclass
class Details:
    """Preformatted text, folded away in HTML."""
    summary: str
    text: str


def quote_href(href):
    """A relative file path as both pages write it in a link (spaces and the like percent-encoded)."""
    return urllib.parse.quote(href, safe="/:#")
