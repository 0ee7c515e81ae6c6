"""User-facing text speaks about the product, not about how it was built: development history (numbered work
items, sessions, commits, tried-and-reverted stories) belongs in CHANGELOG.md and the commit messages."""
import re

from tests.docs.user_text import user_text_lines

MARKERS = re.compile("|".join((
    r"\bissues? #?\d+",                      # numbered work items: "issue 17", "issue 15's targets"
    r"#\d{1,3}\b(?!\w)(?<!&#\d)",            # "#37"
    r"\b(?:session|work item|development round)s? \d+",
    r"\b(?:this|that|the previous|an earlier|the next) session\b",
    r"\bcommit [0-9a-f]{7,40}\b",
    r"\(?\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,12}\)",   # a short commit hash in parentheses
    r"\btried and reverted\b|\bwas tried\b|\breverted\b(?= \()",
    r"\bpredates?\b|\bpre-dates?\b",
    r"\bthis machine's pace\b",
    r"\bnot re-?measured since\b|\bre-?measured (?:since|after) ",
    r"\bsince (?:the|this) (?:change|rewrite|session)\b",
)), re.IGNORECASE)


def history_markers(lines):
    """'where: text' for each line that carries a development-history marker."""
    return [f"{where}: {match.group(0)!r} in {line.strip()[:120]}"
            for where, line in lines for match in [MARKERS.search(line)] if match]


def test_the_marker_patterns_find_history_and_leave_product_text_alone():
    history = ["issue 17's thresholds met", "measured in session 16", "(commit 719c827)",
               "tried and reverted", "the table predates the default", "this machine's pace varied", "see #37"]
    product = ["FedAvg starts round 1 from these weights", "green: head kept, gray: reverted", "sha256 digest",
               "Python 3.11 and TF 2.14", "the fingerprint 4a33c286b4c93991 of the settings", "&#8226; bullet"]
    assert len(history_markers((("h", line) for line in history))) == len(history)
    assert history_markers((("p", line) for line in product)) == []


def test_user_facing_text_has_no_development_history():
    found = history_markers(user_text_lines())
    assert not found, "development history in user-facing text (move it to CHANGELOG.md):\n" + "\n".join(found)
