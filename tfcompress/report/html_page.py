"""Rendering the blocks as one standalone HTML page (``report.html``) with inline CSS."""
import html
import re

from tfcompress.report.blocks import Absent, Details, Facts, Heading, Image, Link, Paragraph, Table, quote_href

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: #1f2328;
       background: #eef1f4; margin: 0; line-height: 1.45; font-size: 15px; }
main { max-width: 1100px; margin: 0 auto; padding: 20px 36px 48px; background: #fff; min-height: 100vh; }
h1 { font-size: 1.8em; margin: 0.4em 0 0.6em; }
h2 { font-size: 1.35em; margin-top: 2em; padding-bottom: 0.25em; border-bottom: 2px solid #d0d7de; }
h3 { font-size: 1.08em; margin-top: 1.6em; }
nav { font-size: 14px; margin-bottom: 1em; }
nav a { margin-right: 14px; }
a { color: #0969da; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; margin: 0.6em 0 1em; font-size: 14px; }
th, td { border: 1px solid #d0d7de; padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: #f0f3f6; font-weight: 600; }
tbody tr:nth-child(even) td { background: #f9fafb; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td:first-child { white-space: nowrap; }
figure a { display: inline-block; max-width: 100%; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 3px 18px; margin: 0.6em 0 1em; }
dl.facts dt { font-weight: 600; color: #57606a; }
dl.facts dd { margin: 0; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 1em 0; }
.card { border: 1px solid #d0d7de; border-radius: 8px; padding: 10px 14px; flex: 1 1 130px;
        max-width: 210px; background: #f6f8fa; }
.card .value { font-size: 1.45em; font-weight: 600; font-variant-numeric: tabular-nums; }
.card .label { color: #57606a; font-size: 13px; }
.absent { color: #57606a; font-style: italic; background: #f6f8fa; border-left: 4px solid #afb8c1;
          padding: 6px 12px; margin: 0.6em 0; }
figure { margin: 1em 0 1.4em; }
figure img { max-width: 100%; height: auto; border: 1px solid #d0d7de; border-radius: 4px; display: block; }
figcaption { color: #57606a; font-size: 13px; margin-top: 4px; }
details { margin: 0.6em 0; }
summary { cursor: pointer; color: #57606a; }
pre { background: #f6f8fa; padding: 10px 14px; overflow: auto; font-size: 12px; border-radius: 4px; }
"""

NUMBER = re.compile(r"^[+-]?[\d,]+(\.\d+)?$")


def to_html(blocks, title):
    headings = [block for block in blocks if isinstance(block, Heading) and block.level == 2]
    nav = "<nav>" + "".join(f'<a href="#{slug(block.text)}">{html.escape(block.text.split(":")[0])}</a>'
                            for block in headings) + "</nav>"
    body = []
    for block in blocks:
        body.append(html_block(block))
        if isinstance(block, Heading) and block.level == 1:
            body.append(nav)
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{html.escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
            + "\n".join(body) + "\n</main>\n</body>\n</html>\n")


def slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def html_block(block):
    if isinstance(block, Heading):
        return f'<h{block.level} id="{slug(block.text)}">{html.escape(block.text)}</h{block.level}>'
    if isinstance(block, Paragraph):
        return f"<p>{html.escape(block.text)}</p>"
    if isinstance(block, Absent):
        return f'<p class="absent"><b>{html.escape(block.what)}:</b> {html.escape(block.text)}</p>'
    if isinstance(block, Facts) and block.cards:
        return '<div class="cards">' + "".join(
            f'<div class="card"><div class="value">{html_inline(value)}</div>'
            f'<div class="label">{html.escape(label)}</div></div>' for label, value in block.items) + "</div>"
    if isinstance(block, Facts):
        return '<dl class="facts">' + "".join(f"<dt>{html.escape(label)}</dt><dd>{html_inline(value)}</dd>"
                                              for label, value in block.items) + "</dl>"
    if isinstance(block, Table):
        head = "".join(f"<th>{html.escape(str(cell))}</th>" for cell in block.header)
        rows = "".join("<tr>" + "".join(html_cell(cell) for cell in row) + "</tr>" for row in block.rows)
        return f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>'
    if isinstance(block, Image):
        src = html.escape(quote_href(block.src))
        return (f'<figure><a href="{src}"><img src="{src}" alt="{html.escape(block.caption)}"></a>'
                f"<figcaption>{html.escape(block.caption)}</figcaption></figure>")
    if isinstance(block, Details):
        return f"<details><summary>{html.escape(block.summary)}</summary><pre>{html.escape(block.text)}</pre></details>"
    raise TypeError(f"no HTML for {block!r}")


def html_inline(value):
    if isinstance(value, Link):
        return f'<a href="{html.escape(quote_href(value.href))}">{html.escape(value.text)}</a>'
    if isinstance(value, list):
        return ", ".join(html_inline(item) for item in value)
    return html.escape(str(value))


def html_cell(value):
    numeric = isinstance(value, str) and NUMBER.match(value)
    return f'<td class="num">{html_inline(value)}</td>' if numeric else f"<td>{html_inline(value)}</td>"
