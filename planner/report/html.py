"""report.html beside report.md: one self-contained file, figures embedded, tables sortable.

Renders the subset of Markdown the reports write (headings, paragraphs, pipe
tables, images, quotes, **bold**, `code`), so the report needs no Markdown
package; each figure is embedded as a base64 PNG, so the file can be mailed or
linked alone. A click on a table's header sorts by that column (a few lines of
inline JS; numbers such as "1,266", "72.4 %" or "n/a" sort as numbers).
"""

from __future__ import annotations

import base64
import html
import os
import re
from pathlib import Path

from planner.io import write_text

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 1200px;
       margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; border-bottom: 2px solid #ddd; padding-bottom: .3em; }
h2 { font-size: 1.25em; margin-top: 1.8em; border-bottom: 1px solid #eee; }
table { border-collapse: collapse; margin: .8em 0; font-size: .9em; }
th, td { border: 1px solid #ddd; padding: .3em .6em; }
th { background: #f4f6f8; cursor: pointer; user-select: none; white-space: nowrap; }
th.asc::after { content: " \\25B2"; } th.desc::after { content: " \\25BC"; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr:nth-child(even) td { background: #fafbfc; }
img { max-width: 100%; height: auto; display: block; margin: .8em 0; }
blockquote { border-left: 4px solid #e0a800; margin: .8em 0; padding: .2em .8em;
             background: #fff8e1; }
code { background: #f4f4f4; padding: 0 .2em; }
"""

SORT_JS = """
function cellValue(td) {
  const t = td.textContent.replace(/[,\\s%*]/g, "");
  const x = parseFloat(t);
  return (t !== "" && !isNaN(x) && /^[-+]?[0-9.]/.test(t)) ? x : td.textContent.trim().toLowerCase();
}
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("th").forEach(function (th, col) {
    th.addEventListener("click", function () {
      const body = table.tBodies[0];
      const asc = !th.classList.contains("asc");
      table.querySelectorAll("th").forEach(function (h) { h.classList.remove("asc", "desc"); });
      th.classList.add(asc ? "asc" : "desc");
      const rows = Array.from(body.rows);
      rows.sort(function (a, b) {
        const x = cellValue(a.cells[col]), y = cellValue(b.cells[col]);
        const c = (typeof x === typeof y) ? (x < y ? -1 : x > y ? 1 : 0)
                                          : (typeof x === "number" ? -1 : 1);
        return asc ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
"""

IMAGE = re.compile(r"^!\[(?P<alt>[^\]]*)\]\((?P<src>[^)]+)\)$")
NUMBER = re.compile(r"^[-+]?[\d,]*\.?\d+\s*%?$|^n/a$")


def write_html(markdown: str, folder: str | os.PathLike, name: str = "report.html") -> Path:
    """Write `folder/name` from the report's Markdown; images are read from `folder`."""
    folder = Path(folder)
    title = next((ln[2:] for ln in markdown.splitlines() if ln.startswith("# ")), "Report")
    body = render(markdown, folder)
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f"{body}\n<script>{SORT_JS}</script>\n</body>\n</html>\n"
    )
    return write_text(page, folder / name, overwrite=True)


def render(markdown: str, folder: Path) -> str:
    """The HTML body of the report's Markdown subset."""
    out: list[str] = []
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].rstrip()
        if not line:
            i += 1
        elif line.startswith("|"):
            block = []
            while i < len(lines) and lines[i].startswith("|"):
                block.append(lines[i])
                i += 1
            out.append(_table(block))
        elif m := IMAGE.match(line):
            out.append(_image(m["alt"], folder / m["src"]))
            i += 1
        elif line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            out.append(f"<h{level}>{_inline(line[level:].strip())}</h{level}>")
            i += 1
        elif line.startswith(">"):
            out.append(f"<blockquote>{_inline(line.lstrip('> '))}</blockquote>")
            i += 1
        else:
            para = []
            while i < len(lines) and lines[i].strip() and not lines[i].startswith(("|", "#", ">")):
                if IMAGE.match(lines[i].strip()):
                    break
                para.append(lines[i].strip())
                i += 1
            out.append(f"<p>{_inline(' '.join(para))}</p>")
    return "\n".join(out)


def _inline(text: str) -> str:
    text = html.escape(text, quote=False)
    text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    return text


def _cells(row: str) -> list[str]:
    return [c.strip() for c in row.strip().strip("|").split("|")]


def _table(block: list[str]) -> str:
    head, rows = _cells(block[0]), [_cells(r) for r in block[2:]]
    th = "".join(f"<th>{_inline(c)}</th>" for c in head)
    thead = f"<thead><tr>{th}</tr></thead>" if any(head) else ""  # key numbers: no header
    body = []
    for row in rows:
        tds = "".join(
            f'<td class="num">{_inline(c)}</td>' if NUMBER.match(c) else f"<td>{_inline(c)}</td>"
            for c in row
        )
        body.append(f"<tr>{tds}</tr>")
    sortable = ' class="sortable"' if any(head) else ""
    return f"<table{sortable}>{thead}<tbody>{''.join(body)}</tbody></table>"


def _image(alt: str, path: Path) -> str:
    if not path.is_file():
        return f"<p><em>(figure {html.escape(path.name)} was not drawn)</em></p>"
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'
