"""Names and paths shown as they are in the page's texts, which Streamlit reads as Markdown.

A game folder, a file name or an error message can hold `[HD](x)`, `*`, `_final_`, `$5 ... $6`, `:red[...]` or
`:smile:`, which Markdown (with Streamlit's extensions: formulas, colours, emoji) would turn into a link,
emphasis, a formula, a colour or an emoji, dropping characters from the path a user reads or copies.
"""

from __future__ import annotations

import re

_MARKUP = re.compile(r"[\\`*\[\]$~<>#]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])|:(?=\S)")
"""What Markdown could read as markup: a backslash escapes each (an underscore inside a word is no emphasis,
and a colon before a space starts no emoji or directive, so those stay as they are)."""


def plain(text: object) -> str:
    """`text` escaped so that Streamlit's Markdown shows it character for character."""
    return _MARKUP.sub(lambda found: "\\" + found.group(0), str(text))
