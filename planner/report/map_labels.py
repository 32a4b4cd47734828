"""Keeping a map readable: pies pushed apart, labels placed next to their marker and repelled.

All in data units of one axes (lon x cos(lat), lat). Boxes are (x0, y0, x1, y1).
The repel step is a few dozen rounds of pushing overlapping boxes apart, the
idea of ggrepel and adjustText in a few lines, so the report needs no extra package.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Box = tuple[float, float, float, float]


def spread_circles(
    x: np.ndarray, y: np.ndarray, r: np.ndarray, gap: float, rounds: int = 300
) -> tuple[np.ndarray, np.ndarray]:
    """Circle centres moved apart until no two overlap (by `gap` at least), each as little as it can.

    Bigger circles move less (each pair splits the push by the other's area).
    """
    x, y = np.asarray(x, float).copy(), np.asarray(y, float).copy()
    area = np.asarray(r, float) ** 2
    for _ in range(rounds):
        moved = False
        for i in range(len(x)):
            for j in range(i + 1, len(x)):
                dx, dy = x[j] - x[i], y[j] - y[i]
                d = float(np.hypot(dx, dy))
                need = r[i] + r[j] + gap
                if d >= need:
                    continue
                if d < 1e-9:  # the same spot: split along a fixed direction
                    dx, dy, d = 1.0, 0.3, float(np.hypot(1.0, 0.3))
                push = (need - d) / d
                wi, wj = area[j] / (area[i] + area[j]), area[i] / (area[i] + area[j])
                x[i] -= dx * push * wi
                y[i] -= dy * push * wi
                x[j] += dx * push * wj
                y[j] += dy * push * wj
                moved = True
        if not moved:
            break
    return x, y


def overlap(a: Box, b: Box) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def segment_boxes(x0: float, y0: float, x1: float, y1: float, half: float) -> list[Box]:
    """Small boxes along a line segment, so labels keep off the lines too."""
    n = max(2, int(np.hypot(x1 - x0, y1 - y0) / (4 * half)))
    return [
        (x - half, y - half, x + half, y + half)
        for x, y in zip(np.linspace(x0, x1, n), np.linspace(y0, y1, n), strict=True)
    ]


@dataclass
class Label:
    """A label to place beside a marker at (cx, cy) of radius `clear` (data units)."""

    text: str
    cx: float
    cy: float
    clear: float
    size: float  # pt
    style: dict


def place_labels(
    ax, labels: list[Label], obstacles: list[Box], lines: list[Box], bounds: Box, pt: float
):
    """Draw each label where it overlaps the fewest markers, labels and lines, then repel.

    `pt`: data units per typographic point. A label pushed away from its marker
    gets a thin leader line back to it.
    """
    boxes: list[Box] = []
    sizes = []
    for lab in labels:
        w, h = _text_size(lab.text, lab.size, pt)
        boxes.append(_best_spot(lab, w, h, pt, obstacles, lines, boxes, bounds))
        sizes.append((w, h))
    boxes = _repel(boxes, obstacles, bounds, pt)
    for lab, box, (w, h) in zip(labels, boxes, sizes, strict=True):
        bx, by = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        ax.text(box[0], by, lab.text, fontsize=lab.size, ha="left", va="center", **lab.style)
        far = np.hypot(bx - lab.cx, by - lab.cy) - (lab.clear + max(w, h) / 2)
        if far > 4 * pt:
            ex = np.clip(lab.cx, box[0], box[2])
            ey = np.clip(lab.cy, box[1], box[3])
            ax.plot([lab.cx, ex], [lab.cy, ey], color="#777777", lw=0.5, zorder=6)


def _text_size(text: str, size: float, pt: float) -> tuple[float, float]:
    lines = text.split("\n")
    return max(map(len, lines)) * 0.56 * size * pt, 1.25 * size * pt * len(lines)


def _best_spot(lab: Label, w, h, pt, obstacles, lines, placed, bounds) -> Box:
    gap = lab.clear + 1.5 * pt
    cx, cy = lab.cx, lab.cy
    candidates = [  # lower-left corners: right, left, above, below, then the diagonals
        (cx + gap, cy - h / 2),
        (cx - gap - w, cy - h / 2),
        (cx - w / 2, cy + gap),
        (cx - w / 2, cy - gap - h),
        (cx + gap * 0.7, cy + gap * 0.7),
        (cx - gap * 0.7 - w, cy + gap * 0.7),
        (cx + gap * 0.7, cy - gap * 0.7 - h),
        (cx - gap * 0.7 - w, cy - gap * 0.7 - h),
    ]
    best, best_score = None, np.inf
    for order, (lx, ly) in enumerate(candidates):
        box = (lx, ly, lx + w, ly + h)
        score = (
            sum(overlap(box, o) for o in obstacles)
            + 2 * sum(overlap(box, p) for p in placed)
            + 0.5 * sum(overlap(box, s) for s in lines)
        )
        if box[0] < bounds[0] or box[2] > bounds[2] or box[1] < bounds[1] or box[3] > bounds[3]:
            score += w * h
        score += order * 1e-6 * w * h
        if score < best_score:
            best, best_score = box, score
    return best


def _repel(boxes: list[Box], obstacles: list[Box], bounds: Box, pt: float, rounds: int = 80):
    """Push overlapping labels away from each other and from markers, within `bounds`."""
    b = np.array(boxes, dtype=float)
    step = 1.5 * pt
    for _ in range(rounds):
        moved = False
        for i in range(len(b)):
            others = [tuple(b[j]) for j in range(len(b)) if j != i] + obstacles
            dx = dy = 0.0
            for o in others:
                if overlap(tuple(b[i]), o) <= 0:
                    continue
                vx = (b[i, 0] + b[i, 2] - o[0] - o[2]) / 2
                vy = (b[i, 1] + b[i, 3] - o[1] - o[3]) / 2
                norm = float(np.hypot(vx, vy)) or 1.0
                dx, dy = dx + vx / norm, dy + vy / norm
            if dx or dy:
                norm = float(np.hypot(dx, dy)) or 1.0
                shift = np.array([dx, dy, dx, dy]) / norm * step
                b[i] += shift
                w, h = b[i, 2] - b[i, 0], b[i, 3] - b[i, 1]
                b[i, 0] = np.clip(b[i, 0], bounds[0], bounds[2] - w)
                b[i, 1] = np.clip(b[i, 1], bounds[1], bounds[3] - h)
                b[i, 2], b[i, 3] = b[i, 0] + w, b[i, 1] + h
                moved = True
        if not moved:
            break
    return [tuple(row) for row in b]
