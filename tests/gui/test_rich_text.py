"""Escaping plain text for Qt rich text, checked by hand and against the standard library's html.escape."""

import html

from hypothesis import given
from hypothesis import strategies as st

from lossexplorer.gui.rich_text import escape_html


def test_the_five_special_characters_by_hand():
    assert escape_html("""a < b & "c" 'd' > e""") == "a &lt; b &amp; &quot;c&quot; &#x27;d&#x27; &gt; e"
    assert escape_html("&amp;") == "&amp;amp;"  # escaped once more, never taken for an entity


@given(st.text())
def test_matches_html_escape(text):
    assert escape_html(text) == html.escape(text)
