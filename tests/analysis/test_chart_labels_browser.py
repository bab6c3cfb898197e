"""Chart labels are never cut off: the HTML summary, rendered by a real headless Chromium
(Debian's ``chromium``; ``./dev test`` installs it), has every chart label inside its chart.

Every code of the demo codebook is coded once, so each theme's chart has a row per code,
including the long ones ("Balanced and inclusive growth · 制定平衡共融的增長策略" was cut at the
chart's left edge). A script added to a copy of the page measures each label's box
(``getBBox``) against its chart's view box and writes the result into the page, which
``chromium --headless --dump-dom`` prints. A Chinese font must be installed (``./dev test``
installs fonts-wqy-microhei): without one the browser draws narrow placeholder boxes and the
old, clipped labels fit too.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import docx

from mpu_qual.export.charts import fit_label, text_width
from mpu_qual.export.summary import build_summary
from mpu_qual.export.summary_render import write_summary
from mpu_qual.store import Project

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

MEASURE = """
<script>
const out = [];
for (const svg of document.querySelectorAll("figure svg")) {
  const vb = svg.viewBox.baseVal;
  for (const t of svg.querySelectorAll("text")) {
    const b = t.getBBox();
    out.push({label: t.textContent, x: b.x, right: b.x + b.width, top: b.y,
              bottom: b.y + b.height, width: vb.width, height: vb.height});
  }
}
const pre = document.createElement("pre");
pre.id = "label-check";
pre.textContent = JSON.stringify(out);
document.body.appendChild(pre);
</script>
"""


def _code_everything(project: Project) -> int:
    src = project.sources.list()[0]
    segs = project.sources.segments(src)
    codes = [c.id for c in project.codes.list()]
    for i, cid in enumerate(codes):
        g = segs[(i * 3) % len(segs)]
        project.codings.add(src, g.start, g.end, cid)
    return len(codes)


TABLE_MEASURE = """
<script>
const out = [];
const width = document.documentElement.scrollWidth;
for (const th of document.querySelectorAll("th")) {
  const r = th.getBoundingClientRect();
  out.push({label: th.textContent, x: r.left, right: r.right, top: r.top,
            bottom: r.bottom, width: width, height: document.documentElement.scrollHeight,
            clipped: th.scrollWidth > th.clientWidth + 1});
}
const pre = document.createElement("pre");
pre.id = "label-check";
pre.textContent = JSON.stringify(out);
document.body.appendChild(pre);
</script>
"""


def _measure(page: Path, tmp_path: Path, script: str = MEASURE) -> list[dict]:
    text = page.read_text(encoding="utf-8")
    # the summary's policy forbids scripts; the measuring copy allows this one inline script
    text = re.sub(
        r'<meta http-equiv="Content-Security-Policy"[^>]*>',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">",
        text,
    )
    probe = tmp_path / "probe.html"
    probe.write_text(text.replace("</body>", script + "</body>"), encoding="utf-8")
    run = subprocess.run(
        [
            CHROMIUM or "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            f"--user-data-dir={tmp_path / 'chromium-profile'}",
            "--virtual-time-budget=5000",
            "--dump-dom",
            probe.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    found = re.search(r'<pre id="label-check">(.*?)</pre>', run.stdout, re.S)
    assert found, f"chromium printed no measurements: {run.stderr[-2000:]}"
    return json.loads(html.unescape(found.group(1)))


def test_every_chart_label_lies_inside_its_chart(demo_project: Project, tmp_path: Path) -> None:
    assert CHROMIUM, (
        "Debian's chromium is missing: './dev test' installs it (apt-get install chromium)"
    )
    n_codes = _code_everything(demo_project)
    page = write_summary(build_summary(demo_project), tmp_path / "summary.html")
    boxes = _measure(page, tmp_path)
    themes = [c for c in demo_project.codes.list() if c.depth == 0]
    # one label per chart row (English and Chinese in one <text>), plus ticks, totals, legend
    long_row = [b for b in boxes if b["label"].startswith("Balanced and inclusive growth")]
    assert long_row, "the long label is not in any chart"
    assert len(boxes) > n_codes - len(themes)
    outside = [
        b
        for b in boxes
        if b["x"] < 0 or b["right"] > b["width"] or b["top"] < 0 or b["bottom"] > b["height"]
    ]
    assert outside == [], outside[:5]


def test_labels_are_shortened_with_the_full_label_on_hover(
    demo_project: Project, tmp_path: Path
) -> None:
    _code_everything(demo_project)
    page = write_summary(build_summary(demo_project), tmp_path / "summary.html").read_text(
        encoding="utf-8"
    )
    # the full label is the hover title; the drawn lines are each within the label column
    assert (
        "<title>Balanced and inclusive growth · 制定平衡共融的增長策略 (factors.inclusive_growth)"
        in page
    )
    for en, zh in re.findall(r"<tspan>(.*?)</tspan><tspan [^>]*>(.*?)</tspan>", page):
        assert text_width(html.unescape(en)) <= 308 and text_width(html.unescape(zh)) <= 308
    long = "Cross-sector and interdisciplinary skills for smart production " * 2
    short = fit_label(long, 308)
    assert short.endswith("…") and text_width(short) <= 308 and long.startswith(short[:-1])
    # DOCX: the chart is a numbered PNG; its labels are document text, printed whole
    out = write_summary(build_summary(demo_project), tmp_path / "summary.docx")
    body = "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
    assert "Balanced and inclusive growth · 制定平衡共融的增長策略" in body


def test_every_label_of_the_matrix_page_is_whole(
    cli, demo_project: Project, tmp_path: Path
) -> None:
    assert CHROMIUM, (
        "Debian's chromium is missing: './dev test' installs it (apt-get install chromium)"
    )
    n_codes = _code_everything(demo_project)
    page = tmp_path / "matrix.html"
    r = cli(
        "-p", str(demo_project.db_path.parent), "matrix", "--cols", "participant", "-o", str(page)
    )
    assert r.exit_code == 0, r.stderr
    boxes = _measure(page, tmp_path, TABLE_MEASURE)
    labels = [b["label"] for b in boxes]
    assert "Balanced and inclusive growth · 制定平衡共融的增長策略" in labels
    # a header per column (participants who said something), then one per code (every code)
    assert len(boxes) - 1 - n_codes >= 2
    bad = [b for b in boxes if b["clipped"] or b["x"] < 0 or b["right"] > b["width"] + 0.5]
    assert bad == [], bad[:5]
