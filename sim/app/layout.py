"""Small layout pieces the explorer's pages and the report share."""

from __future__ import annotations

import re

from bokeh.layouts import gridplot
from bokeh.models import InlineStyleSheet

# Bokeh draws each Div in its own shadow DOM: a table's style travels with its Div.
TABLE_CSS = """
table { border-collapse: collapse; font-size: 12px; }
th, td { padding: 2px 8px; border-bottom: 1px solid #ddd; text-align: right; }
td:first-child, th:first-child { text-align: left; }
.banner { background: #fff3cd; border: 1px solid #e0b000; padding: 6px 10px; }
"""


def table_style() -> InlineStyleSheet:
    return InlineStyleSheet(css=TABLE_CSS)


def css_name(key: str) -> str:
    """A dotted key as a CSS class name (dots and other signs become dashes)."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", key)


def figure_grid(figures: list, columns: int = 2):
    return gridplot(figures, ncols=columns, toolbar_location="right", merge_tools=False)
