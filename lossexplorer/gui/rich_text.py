"""Plain text made safe inside Qt rich text (labels, tooltips, the report)."""

from __future__ import annotations

# What html.escape replaces; the html module itself would import html.entities (2,000 names, about 1.5 ms of
# the window's start-up) for the unescaping this app never does.
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"})


def escape_html(text: str) -> str:
    """Return ``text`` with ``& < > " '`` written as HTML entities."""
    return text.translate(_ESCAPES)
