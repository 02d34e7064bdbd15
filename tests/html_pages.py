"""Read the report pages back: sections, KPI cards, prices, tables (exact values) and charts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path


@dataclass
class Page:
    sections: list[str] = field(default_factory=list)
    kpis: dict[str, str] = field(default_factory=dict)  # data-kpi -> data-value
    prices: dict[str, str] = field(default_factory=dict)  # data-constraint -> data-value
    tables: dict[str, list[dict[str, str]]] = field(default_factory=dict)  # table id -> rows of data-value
    figures: dict[str, int] = field(default_factory=dict)  # figure id -> number of <svg> inside
    svg_ids: set[str] = field(default_factory=set)
    text: str = ""


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__()
        self.page = Page()
        self.table: str | None = None
        self.figure: str | None = None
        self.row: dict | None = None
        self.chunks: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section":
            self.page.sections.append(a.get("id", ""))
        if "data-kpi" in a and tag == "div":
            self.page.kpis[a["data-kpi"]] = a["data-value"]
        if "data-constraint" in a:
            self.page.prices[a["data-constraint"]] = a["data-value"]
        if tag == "table" and a.get("id"):
            self.table = a["id"]
            self.page.tables[self.table] = []
        if tag == "tr" and self.table:
            self.row = {}
        if tag == "td" and self.row is not None and "data-column" in a:
            self.row[a["data-column"]] = a["data-value"]
        if tag == "figure":
            self.figure = a.get("id")
            self.page.figures[self.figure] = 0
        if tag == "svg" and self.figure:
            self.page.figures[self.figure] += 1
        if "id" in a and self.figure:
            self.page.svg_ids.add(a["id"])

    def handle_endtag(self, tag):
        if tag == "tr" and self.row:
            self.page.tables[self.table].append(self.row)
        if tag == "tr":
            self.row = None
        if tag == "table":
            self.table = None
        if tag == "figure":
            self.figure = None

    def handle_data(self, data):
        self.chunks.append(data)


def read_page(path: Path) -> Page:
    reader = _Reader()
    html = Path(path).read_text(encoding="utf-8")
    reader.feed(html)
    reader.page.text = re.sub(r"\s+", " ", " ".join(reader.chunks))
    return reader.page


def external_urls(html: str) -> list[str]:
    """Every http(s) URL in the page other than XML namespace names (which are never fetched)."""
    return [m.group(0) for m in re.finditer(r"""(?<!xmlns=")(?<!xmlns:xlink=")https?://[^\s"'<>)]+""", html)]
