"""Rendering the blocks as Markdown (``report.md``)."""
import html

from tfcompress.report.blocks import Absent, Details, Facts, Heading, Image, Link, Paragraph, Table, quote_href


def to_markdown(blocks):
    return "\n\n".join(markdown_block(block) for block in blocks) + "\n"


def markdown_block(block):
    if isinstance(block, Heading):
        return "#" * block.level + " " + block.text
    if isinstance(block, Paragraph):
        return block.text
    if isinstance(block, Absent):
        return f"**{block.what}:** {block.text}"
    if isinstance(block, Facts) and block.cards:
        return markdown_block(Table([label for label, _ in block.items], [[value for _, value in block.items]]))
    if isinstance(block, Facts):
        return "\n".join(f"- {label}: {markdown_inline(value)}" for label, value in block.items)
    if isinstance(block, Table):
        lines = ["| " + " | ".join(markdown_cell(cell) for cell in block.header) + " |",
                 "|" + "---|" * len(block.header)]
        lines += ["| " + " | ".join(markdown_cell(cell) for cell in row) + " |" for row in block.rows]
        return "\n".join(lines)
    if isinstance(block, Image):
        return f"![{block.caption}]({quote_href(block.src)})\n\n*{block.caption}*"
    if isinstance(block, Details):
        return f"<details><summary>{html.escape(block.summary)}</summary>\n\n```\n{block.text}\n```\n\n</details>"
    raise TypeError(f"no Markdown for {block!r}")


def markdown_inline(value):
    if isinstance(value, Link):
        return f"[{value.text}]({quote_href(value.href)})"
    if isinstance(value, list):
        return ", ".join(markdown_inline(item) for item in value)
    return str(value).replace("\n", " ")


def markdown_cell(value):
    return markdown_inline(value).replace("|", "\\|")
