"""The report's maps in headless Chromium (see test_browser.py): the map is drawn in its category
colours, every district has its tooltip, and the district names render in Latin and Chinese."""

from __future__ import annotations

import io

import numpy as np
from matplotlib.colors import to_rgb

from optimizer.reporting import charts, maps
from test_browser import _check_page, browser  # noqa: F401 (the browser fixture)

TOOLTIPS = """
return Array.from(document.querySelectorAll('#chart-map g[id^="district-dominant-"]')).map(g => {
  const first = g.firstElementChild;
  return [g.id, first.tagName, first.textContent];
});
"""
# A glyph per character, drawn in the labels' own font stack: without a CJK font every character
# of a Chinese name is the same empty box, so distinct images mean the names are really drawn.
GLYPHS = """
const [label, text] = arguments;
const canvas = document.createElement('canvas');
canvas.width = 40; canvas.height = 40;
const context = canvas.getContext('2d');
context.font = '28px ' + getComputedStyle(label).fontFamily;
return Array.from(text).map(character => {
  context.clearRect(0, 0, 40, 40);
  context.fillText(character, 4, 32);
  return Array.from(context.getImageData(0, 0, 40, 40).data).join(',');
});
"""


def _pixels(png: bytes) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).reshape(-1, 3).astype(int)


def test_the_map_in_chromium(browser, default_result, tmp_path):  # noqa: F811 (the fixture)
    from selenium.webdriver.common.by import By

    folder = default_result.save(tmp_path / "run")
    _check_page(browser, folder / "report.html", ["chart-map"], tmp_path / "report.png")
    figure = browser.find_element(By.ID, "chart-map")
    browser.execute_script("arguments[0].scrollIntoView()", figure)
    pixels = _pixels(figure.screenshot_as_png)

    # Visible in its colours: every dominant category's colour fills part of the screenshot.
    codes = maps.unit_districts(default_result.scenario)
    dominant = maps.district_figures(default_result, codes)["dominant"]
    colors = charts.category_colors(default_result.scenario.categories)
    for category in set(dominant) - {""}:
        rgb = np.round(np.array(to_rgb(colors[category])) * 255)
        share = (np.abs(pixels - rgb).max(axis=1) <= 3).mean()
        assert share > 0.002, (category, share)

    # Every district has its tooltip: a <title> first in its group, naming it in both scripts.
    tooltips = browser.execute_script(TOOLTIPS)
    names = maps.districts()
    assert len(tooltips) == len(names) == 38
    for group, tag, text in tooltips:
        district = names.loc[int(group.rsplit("-", 1)[1])]
        assert tag.lower() == "title" and district["name_en"] in text and district["name_zh"] in text, group

    # Names render in both scripts: each label's two lines are drawn, with real glyphs for the Chinese.
    labels = browser.find_elements(By.CSS_SELECTOR, '#chart-map g[id^="label-"]')
    assert len(labels) >= 20
    for label in labels:
        english, chinese = label.find_elements(By.TAG_NAME, "text")
        district = names.loc[int(label.get_attribute("id").split("-")[1])]
        assert chinese.text == district["name_zh"] and english.text.isascii()
        for line in (english, chinese):
            box = browser.execute_script("const b = arguments[0].getBBox(); return [b.width, b.height];", line)
            assert box[0] > 5 and box[1] > 3, (district["name_en"], box)
    chinese = labels[0].find_elements(By.TAG_NAME, "text")[1]
    glyphs = browser.execute_script(GLYPHS, chinese, chinese.text)
    assert len(set(glyphs)) == len(chinese.text) == 3, "the Chinese characters are drawn as the same box"
    assert (_pixels(chinese.screenshot_as_png).sum(axis=1) < 300).any()  # dark pixels: the text is drawn


def test_the_change_map_in_chromium(browser, default_result, tmp_path):  # noqa: F811 (the fixture)
    import optimizer

    variant = optimizer.solve(default_result.scenario.with_changes(carbon_budget={"total_mt": 15}))
    folder = optimizer.compare([default_result, variant]).save(tmp_path / "comparison")
    _check_page(browser, folder / "comparison.html", ["chart-change-map"], tmp_path / "comparison.png")
