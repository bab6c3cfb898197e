"""Bar charts of coded passages by stakeholder group, without a plotting library.

One horizontal bar per code, split into one segment per stakeholder group. HTML gets an
SVG (text labels in any script, since the browser has the fonts); DOCX gets a PNG written
here in pure Python (python-docx needs PNG or JPEG). A PNG has no fonts, so its rows are
numbered and the document prints the row labels and the group colours beside it
(``png_legend``), where Word can render Chinese.
"""

from __future__ import annotations

import html
import struct
import unicodedata
import zlib
from dataclasses import dataclass

from mpu_qual.export.stats import NO_GROUP, Frequencies, GroupInfo

# Okabe-Ito palette: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
NO_GROUP_COLOR = "#999999"


def group_colors(groups: list[GroupInfo]) -> dict[str, str]:
    """A stable colour per group, in the codebook's group order."""
    out: dict[str, str] = {}
    i = 0
    for g in groups:
        if g.id == NO_GROUP:
            out[g.id] = NO_GROUP_COLOR
        else:
            out[g.id] = PALETTE[i % len(PALETTE)]
            i += 1
    return out


def _nice_max(n: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
        if n <= step * 5:
            return max(step * ((n + step - 1) // step), step)
    return n


def _ticks(top: int) -> list[int]:
    step = max(1, top // 5)
    return list(range(0, top + 1, step))


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def text_width(text: str, font_px: float = 12) -> float:
    """A generous estimate of how wide ``text`` is drawn (pixels): a wide (Chinese) character
    takes a full em, a Latin capital or m/w nearly one, other characters at most 0.6 em. It
    errs on the wide side, so a label it says fits is never cut off."""
    w = 0.0
    for ch in text:
        if unicodedata.east_asian_width(ch) in ("W", "F"):
            w += 1.05
        elif ch in "mwMW@%":
            w += 0.95
        elif ch.isupper() or ch.isdigit():
            w += 0.75
        elif ch in " .,:;'|!il":
            w += 0.35
        else:
            w += 0.6
    return w * font_px


def fit_label(text: str, max_px: float, font_px: float = 12) -> str:
    """``text``, or as much of it as fits in ``max_px`` followed by "…"."""
    if text_width(text, font_px) <= max_px:
        return text
    while text and text_width(text + "…", font_px) > max_px:
        text = text[:-1]
    return text.rstrip() + "…"


# ----------------------------------------------------------------------------- SVG
def bar_chart_svg(freq: Frequencies, *, title: str = "") -> str:
    """A self-contained SVG stacked bar chart (no scripts, no external references)."""
    e = html.escape
    colors = group_colors(freq.groups)
    row_h, label_w, bar_w, top_pad = 34, 320, 380, 56 if title else 36
    legend_h = 22 * ((len(freq.groups) + 1) // 2)
    height = top_pad + row_h * max(len(freq.rows), 1) + 40 + legend_h
    width = label_w + bar_w + 60
    top = _nice_max(max((r.total for r in freq.rows), default=0))
    scale = bar_w / top if top else 0
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" font-family="system-ui, \'Noto Sans TC\', '
        f'\'Microsoft JhengHei\', sans-serif" font-size="12">',
        f"<title>{e(title or 'Coded passages by stakeholder group')}</title>",
    ]
    if title:
        out.append(
            f'<text x="0" y="18" font-size="15" font-weight="bold">'
            f"<title>{e(title)}</title>{e(fit_label(title, width - 4, 15))}</text>"
        )
    y0 = top_pad
    for t in _ticks(top):
        x = label_w + t * scale
        out.append(
            f'<line x1="{x:.1f}" y1="{y0 - 6}" x2="{x:.1f}" '
            f'y2="{y0 + row_h * len(freq.rows)}" stroke="#ddd"/>'
        )
        out.append(f'<text x="{x:.1f}" y="{y0 - 10}" text-anchor="middle" fill="#555">{t}</text>')
    for i, r in enumerate(freq.rows):
        y = y0 + i * row_h
        label = f"{r.label_en} · {r.label_zh}"
        # English above Chinese, each shortened to the label column; the full label on hover
        room = label_w - 8 - 4
        out.append(
            f'<text x="{label_w - 8}" y="{y + 13}" text-anchor="end" class="row-label">'
            f"<title>{e(label)} ({r.code_id})</title>"
            f"<tspan>{e(fit_label(r.label_en, room))}</tspan>"
            f'<tspan x="{label_w - 8}" dy="14" fill="#444" lang="zh-Hant">'
            f"{e(fit_label(r.label_zh, room))}</tspan></text>"
        )
        x = float(label_w)
        for g in freq.groups:
            n = r.counts.get(g.id, 0)
            if not n:
                continue
            w = n * scale
            out.append(
                f'<rect x="{x:.1f}" y="{y + 6}" width="{w:.1f}" height="{row_h - 12}" '
                f'fill="{colors[g.id]}"><title>{e(g.en)} {e(g.zh)}: {n}</title></rect>'
            )
            x += w
        out.append(f'<text x="{x + 6:.1f}" y="{y + 21}" fill="#333">{r.total}</text>')
    ly = y0 + row_h * len(freq.rows) + 24
    for i, g in enumerate(freq.groups):
        lx = (i % 2) * (width // 2)
        yy = ly + (i // 2) * 22
        out.append(f'<rect x="{lx}" y="{yy - 11}" width="12" height="12" fill="{colors[g.id]}"/>')
        name = f"{g.en} · {g.zh}"
        out.append(
            f'<text x="{lx + 18}" y="{yy}"><title>{e(name)}</title>'
            f"{e(fit_label(name, width // 2 - 24))}</text>"
        )
    out.append("</svg>")
    return "\n".join(out)


# ----------------------------------------------------------------------------- PNG
# 5x7 bitmap digits for tick labels, row numbers and totals.
_GLYPHS = {
    "0": ["01110", "10001", "10011", "10101", "11001", "10001", "01110"],
    "1": ["00100", "01100", "00100", "00100", "00100", "00100", "01110"],
    "2": ["01110", "10001", "00001", "00010", "00100", "01000", "11111"],
    "3": ["11110", "00001", "00001", "01110", "00001", "00001", "11110"],
    "4": ["00010", "00110", "01010", "10010", "11111", "00010", "00010"],
    "5": ["11111", "10000", "11110", "00001", "00001", "10001", "01110"],
    "6": ["00110", "01000", "10000", "11110", "10001", "10001", "01110"],
    "7": ["11111", "00001", "00010", "00100", "01000", "01000", "01000"],
    "8": ["01110", "10001", "10001", "01110", "10001", "10001", "01110"],
    "9": ["01110", "10001", "10001", "01111", "00001", "00010", "01100"],
    ".": ["00000", "00000", "00000", "00000", "00000", "01100", "01100"],
}


def _rgb(color: str) -> tuple[int, int, int]:
    c = color.lstrip("#")
    if len(c) == 3:
        c = "".join(ch * 2 for ch in c)
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


@dataclass
class _Canvas:
    width: int
    height: int

    def __post_init__(self) -> None:
        self.px = bytearray(b"\xff" * (self.width * self.height * 3))

    def rect(self, x: int, y: int, w: int, h: int, color: tuple[int, int, int]) -> None:
        x0, y0 = max(0, x), max(0, y)
        x1, y1 = min(self.width, x + w), min(self.height, y + h)
        if x1 <= x0 or y1 <= y0:
            return
        line = bytes(color) * (x1 - x0)
        for yy in range(y0, y1):
            i = (yy * self.width + x0) * 3
            self.px[i : i + len(line)] = line

    def text(self, x: int, y: int, s: str, color: tuple[int, int, int], scale: int = 2) -> int:
        """Draw digits; returns the x after the text."""
        for ch in s:
            glyph = _GLYPHS.get(ch)
            if glyph is None:
                x += 3 * scale
                continue
            for gy, bits in enumerate(glyph):
                for gx, bit in enumerate(bits):
                    if bit == "1":
                        self.rect(x + gx * scale, y + gy * scale, scale, scale, color)
            x += 6 * scale
        return x

    def png(self) -> bytes:
        raw = bytearray()
        stride = self.width * 3
        for y in range(self.height):
            raw.append(0)  # filter: none
            raw += self.px[y * stride : (y + 1) * stride]

        def chunk(tag: bytes, data: bytes) -> bytes:
            return (
                struct.pack(">I", len(data))
                + tag
                + data
                + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
            )

        ihdr = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        return (
            b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(bytes(raw), 9))
            + chunk(b"IEND", b"")
        )


def bar_chart_png(freq: Frequencies, *, scale: int = 2) -> bytes:
    """The same chart as a PNG; rows are numbered 1..n (see ``png_legend``)."""
    colors = {k: _rgb(v) for k, v in group_colors(freq.groups).items()}
    s = scale
    row_h, label_w, bar_w, top_pad = 14 * s, 30 * s, 300 * s, 18 * s
    width = label_w + bar_w + 40 * s
    height = top_pad + row_h * max(len(freq.rows), 1) + 6 * s
    canvas = _Canvas(width, height)
    top = _nice_max(max((r.total for r in freq.rows), default=0))
    k = bar_w / top if top else 0
    grey, dark = (0xDD, 0xDD, 0xDD), (0x33, 0x33, 0x33)
    bottom = top_pad + row_h * len(freq.rows)
    for t in _ticks(top):
        x = label_w + round(t * k)
        canvas.rect(x, top_pad - 3 * s, 1 * s, bottom - top_pad + 3 * s, grey)
        label = str(t)
        canvas.text(x - len(label) * 3 * s + s, 3 * s, label, dark, s)
    for i, r in enumerate(freq.rows):
        y = top_pad + i * row_h
        canvas.text(2 * s, y + 3 * s, f"{i + 1}.", dark, s)
        x = label_w
        for g in freq.groups:
            n = r.counts.get(g.id, 0)
            if n:
                w = max(round(n * k), 1)
                canvas.rect(x, y + 2 * s, w, row_h - 4 * s, colors[g.id])
                x += w
        canvas.text(x + 3 * s, y + 3 * s, str(r.total), dark, s)
    return canvas.png()


def png_legend(freq: Frequencies) -> tuple[list[str], list[tuple[str, str]]]:
    """Row labels ("1. Label · 標籤") and (colour, group label) pairs for the PNG chart."""
    rows = [f"{i}. {r.label_en} · {r.label_zh}" for i, r in enumerate(freq.rows, start=1)]
    colors = group_colors(freq.groups)
    return rows, [(colors[g.id], f"{g.en} · {g.zh}") for g in freq.groups]
