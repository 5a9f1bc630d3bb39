"""HTML building blocks for reports: escaped fragments, tables, embedded charts, and the
notebook-to-HTML export (nbconvert's HTMLExporter, in-process, without code).

Fragments are `Html` objects: Jupyter displays them through `_repr_html_`, and they render
the same way in the exported page, so a report looks alike in JupyterLab and in a browser.
Report charts are inline SVG (`svmodel.report.svg`); matplotlib figures (procurement) are
embedded as PNG data URIs, so every page is one self-contained, offline file. The nbconvert
exporter is built once per process and reused (building it loads and compiles the template).
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
import threading
from typing import Any, Callable, Iterable, Mapping, Sequence

from svmodel.resources import templates_dir
from svmodel.util.safety import escape_html, html_link

TEMPLATES = templates_dir()
CHART_DPI = 110

# Readable on screen and on paper: a narrow measure, tables that wrap rather than overflow.
CSS = """
.svm { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       color: #1d2a33; line-height: 1.45; }
.svm p, .svm ul, .svm ol, .svm dl { max-width: 62rem; }
.svm h1 { font-size: 1.7rem; margin: 0.2rem 0 0.3rem; }
.svm h2 { font-size: 1.25rem; margin: 1.4rem 0 0.4rem; border-bottom: 2px solid #1b6f8a;
          padding-bottom: 0.2rem; }
.svm h3 { font-size: 1.02rem; margin: 0.9rem 0 0.3rem; }
.svm h3 .who { font-weight: normal; color: #4a5a66; font-size: 0.85rem; }
.svm p.lede { color: #4a5a66; margin: 0 0 0.6rem; }
.svm p.headline { font-size: 1.05rem; }
.svm nav.toc { font-size: 0.8rem; color: #4a5a66; margin: 0.4rem 0; }
.svm .missing { color: #8a5a00; }
.svm .cards { display: flex; flex-wrap: wrap; gap: 0.6rem; margin: 0.6rem 0; }
.svm .card { border: 1px solid #c9d6de; border-radius: 6px; padding: 0.5rem 0.8rem;
             min-width: 10rem; background: #f5f9fb; }
.svm .card .label { font-size: 0.8rem; color: #4a5a66; }
.svm .card .value { font-size: 1.25rem; font-weight: 600; }
.svm .card .note { font-size: 0.75rem; color: #4a5a66; }
.svm table.svm-table { border-collapse: collapse; font-size: 0.82rem; margin: 0.4rem 0 0.8rem;
                       table-layout: auto; width: auto; max-width: 100%; }
.svm table.svm-table caption { text-align: left; font-weight: 600; }
.svm table.svm-table th { background: #e8f0f4; text-align: left; vertical-align: bottom;
                          hyphens: manual; }
.svm table.svm-table th, .svm table.svm-table td { border: 1px solid #c9d6de; text-align: left;
                                                   padding: 0.2rem 0.45rem; vertical-align: top;
                                                   max-width: 24rem; white-space: normal;
                                                   overflow-wrap: break-word; }
.svm table.svm-table td.num { text-align: right; font-variant-numeric: tabular-nums;
                              white-space: nowrap; }
.svm table.svm-table td.fig { white-space: normal; min-width: 7rem; }
.svm table.svm-table tr.total td { font-weight: 600; }
.svm table.svm-table td.wide { min-width: 16rem; }
.svm table.svm-table ul { margin: 0; padding-left: 1.1rem; }
.svm table.judgements { width: 100%; }
.svm table.judgements td:first-child { width: 8.5rem; }
.svm table.judgements td.fig { width: 34%; }
.svm article.line { margin: 0.6rem 0 1rem; }
.svm dl.facts { display: grid; grid-template-columns: 11rem 1fr; gap: 0.1rem 0.8rem;
                margin: 0.2rem 0 0.4rem; font-size: 0.88rem; }
.svm dl.facts dt { color: #4a5a66; }
.svm dl.facts dd { margin: 0; }
.svm figure { margin: 0.4rem 0 0.8rem; }
.svm figure img, .svm figure svg { max-width: 100%; height: auto; }
.svm figcaption { font-size: 0.8rem; color: #4a5a66; }
.svm ul.warnings li { margin-bottom: 0.2rem; }
.svm .ok { color: #2f6b2f; }
.svm .bad { color: #a02828; }
.svm footer { font-size: 0.75rem; color: #4a5a66; border-top: 1px solid #c9d6de;
              margin-top: 1.2rem; padding-top: 0.4rem; }
"""

# A4 on paper (CSS Paged Media, as Chromium prints it): a running header (the report sets its
# own title with an @top-left rule) and "Page n of N"; wide tables' sections on landscape pages;
# no row, chart or card split across pages, headings kept with what follows; no cut column
# (JupyterLab's output areas scroll on screen, so on paper they must not clip).
PRINT_CSS = """
@page { size: A4; margin: 17mm 12mm 16mm 12mm;
  @top-left { content: "Social value report"; font-size: 8pt; color: #4a5a66; }
  @top-right { content: "svmodel"; font-size: 8pt; color: #4a5a66; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font-size: 8pt;
                  color: #4a5a66; }
}
@page wide { size: A4 landscape; margin: 14mm 12mm 14mm 12mm; }
@media print {
  html, body { background: #ffffff !important; }
  body { margin: 0 !important; font-size: 9.5pt; }
  .jp-Notebook, .jp-Cell, .jp-Cell-outputWrapper, .jp-OutputArea, .jp-OutputArea-child,
  .jp-OutputArea-output, .jp-RenderedHTMLCommon, main { display: block !important; overflow: visible !important;
                                 padding: 0 !important; margin: 0 !important;
                                 max-width: none !important; width: auto !important; }
  .jp-OutputArea-prompt, .jp-InputPrompt, .jp-InputArea, .jp-Collapser { display: none !important; }
  section.svm.wide, .svm-wide { page: wide; }
  .svm table.svm-table { width: 100%; font-size: 7.6pt; }
  .svm table.svm-table th, .svm table.svm-table td { max-width: none; padding: 0.12rem 0.3rem;
                                                     overflow-wrap: break-word; }
  .svm table.svm-table td.wide { min-width: 0; }
  .svm table.svm-table thead { display: table-header-group; }
  .svm table.svm-table tr, .svm figure, .svm .card, .svm dl.facts, .svm li { break-inside: avoid; }
  .svm h1, .svm h2, .svm h3, .svm caption, .svm p.lead-in { break-after: avoid; }
  .svm .cards { break-inside: avoid; }
  .svm figure svg { width: 100%; height: auto; }
  .svm nav.toc { display: none; }
  .svm a { color: inherit; text-decoration: none; }
}
"""


@dataclass(frozen=True)
class Html:
    """A fragment of trusted HTML (every piece of user text inside it has been escaped)."""

    markup: str

    def _repr_html_(self) -> str:
        return self.markup

    def __str__(self) -> str:
        return self.markup

    def __repr__(self) -> str:
        # Jupyter stores this as the output's text/plain alternative next to text/html: a
        # short summary, not a second copy of the markup in every executed notebook.
        return f"<svmodel HTML fragment, {len(self.markup):,} characters>"

    def __add__(self, other: "Html") -> "Html":
        return Html(self.markup + other.markup)


def esc(value: Any) -> str:
    """Escape text for HTML; None shows as an empty string (svmodel.util.safety.escape_html)."""
    return escape_html(value)


def join(parts: Iterable[Html | str]) -> Html:
    return Html("".join(str(p) for p in parts))


def section(title: str, *body: Html | str, anchor: str = "", wide: bool = False) -> Html:
    """A report section: a heading followed by its content, wrapped in the report's style;
    `wide` sections print on A4 landscape pages (PRINT_CSS, the named page `wide`)."""
    ident = f' id="{esc(anchor)}"' if anchor else ""
    cls = "svm wide" if wide else "svm"
    return Html(f'<section class="{cls}"{ident}><h2>{esc(title)}</h2>{"".join(str(b) for b in body)}</section>')


def running_header(text: str) -> Html:
    """The printed pages' running header (CSS Paged Media `@top-left`), `text` made inert by
    `svmodel.report.render.css_string`."""
    from svmodel.util.safety import css_string

    return Html(f"<style>@page {{ @top-left {{ content: {css_string(text)}; }} }}</style>")


def wrap(*body: Html | str) -> Html:
    """Content in the report's style, without a heading."""
    return Html(f'<div class="svm">{"".join(str(b) for b in body)}</div>')


def paragraph(text: str, css: str = "") -> Html:
    cls = f' class="{esc(css)}"' if css else ""
    return Html(f"<p{cls}>{esc(text)}</p>")


def bullet_list(items: Sequence[str], css: str = "") -> Html:
    cls = f' class="{esc(css)}"' if css else ""
    return Html(f"<ul{cls}>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>")


def cards(items: Sequence[tuple[str, str, str]]) -> Html:
    """Headline figures as cards: (label, value, note)."""
    out = []
    for label, value, note in items:
        extra = f'<div class="note">{esc(note)}</div>' if note else ""
        out.append(f'<div class="card"><div class="label">{esc(label)}</div>'
                   f'<div class="value">{esc(value)}</div>{extra}</div>')
    return Html('<div class="cards">' + "".join(out) + "</div>")


Formatter = Callable[[Any], str]


def table(rows: Sequence[Mapping[str, Any]], columns: Sequence[tuple[str, str]],
          formats: Mapping[str, Formatter] | None = None, numeric: Iterable[str] = (),
          links: Mapping[str, str] | None = None, caption: str = "",
          wide: Iterable[str] = ()) -> Html:
    """A table from row mappings. `columns` pairs a row key with its heading; `formats` maps
    a key to a function giving its text; `numeric` keys are right-aligned; `links` maps a key
    to another key holding the URL its cell links to."""
    formats = formats or {}
    links = links or {}
    numeric = set(numeric)
    wide = set(wide)
    head = "".join(f"<th>{esc(title)}</th>" for _, title in columns)
    body = []
    for row in rows:
        cells = []
        for key, _ in columns:
            value = row.get(key)
            if value is None or (isinstance(value, float) and value != value):
                text = ""
            else:
                text = formats[key](value) if key in formats else str(value)
            url = row.get(links[key]) if key in links else None
            # Only http, https, mailto and relative links become links (svmodel.util.safety).
            cell = html_link(url, text, allow_relative=True) if url else esc(text)
            cls = ' class="num"' if key in numeric else (' class="wide"' if key in wide else "")
            cells.append(f"<td{cls}>{cell}</td>")
        body.append(("<tr class=\"total\">" if row.get("_total") else "<tr>") + "".join(cells) + "</tr>")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return Html(f'<table class="svm-table">{cap}<thead><tr>{head}</tr></thead>'
                f'<tbody>{"".join(body)}</tbody></table>')


def png_bytes(fig: Any, dpi: int = CHART_DPI) -> bytes:
    """A matplotlib Figure as PNG bytes (no timestamps in the metadata: same chart, same bytes)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


def figure(fig: Any, alt: str, caption: str = "") -> Html:
    """A chart embedded as a PNG data URI, with alternative text for screen readers."""
    data = base64.b64encode(png_bytes(fig)).decode("ascii")
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return Html(f'<figure class="chart"><img src="data:image/png;base64,{data}" '
                f'alt="{esc(alt)}" />{cap}</figure>')


def svg_figure(svg: str, caption: str = "") -> Html:
    """A chart given as SVG markup (svmodel.report.svg, which carries its own alternative
    text as `aria-label` and `<title>`), with an optional caption."""
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return Html(f'<figure class="chart">{svg}{cap}</figure>')


_exporters = threading.local()


def _report_exporter_class() -> type:
    """nbconvert's HTMLExporter minus its per-page BeautifulSoup pass, with the page's CSS
    read once.

    After rendering, HTMLExporter parses the whole page (300 kB, mostly JupyterLab's CSS) with
    BeautifulSoup only to add `alt` text to images without one and `tabindex="0"` to input and
    output areas, then serialises it again: more than half of the export time. Report charts
    are SVG with their own `aria-label`, inputs are excluded, and outputs get their
    `tabindex` here by a plain replacement, so the page is the same for the reader."""
    from nbconvert.exporters import HTMLExporter, TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class ReportExporter(HTMLExporter):
        _css_cache: dict[tuple[str, str], Any]

        def _init_resources(self, resources: Any) -> Any:
            resources = super()._init_resources(resources)
            cache = self.__dict__.setdefault("_css_cache", {})
            for key in ("include_css", "include_lab_theme"):
                function = resources[key]

                def cached(name: str, _key: str = key, _function: Any = function) -> Any:
                    if (_key, name) not in cache:
                        cache[(_key, name)] = _function(name)
                    return cache[(_key, name)]

                resources[key] = cached
            return resources

        def from_notebook_node(self, nb: Any, resources: Any = None, **kw: Any) -> Any:
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            self.register_filter("highlight_code", self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
            resources = self._init_resources(resources)
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            page, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            page = page.replace('<div class="jp-RenderedHTMLCommon jp-RenderedHTML jp-OutputArea-output',
                                '<div tabindex="0" class="jp-RenderedHTMLCommon jp-RenderedHTML '
                                'jp-OutputArea-output')
            return page, resources

    return ReportExporter


def _exporter() -> Any:
    """The report exporter with svmodel's template, built once per thread (a worker slot):
    building it finds, loads and compiles the Jinja template, which costs more than rendering."""
    cached = getattr(_exporters, "exporter", None)
    if cached is not None:
        return cached
    exporter = _report_exporter_class()(
        template_name="svmodel_report", extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
        optimistic_validation=True,
    )
    exporter.template  # noqa: B018 - compile now, once
    _exporters.exporter = exporter
    return exporter


def notebook_to_html(notebook: Any, title: str = "") -> str:
    """Render an executed notebook to a standalone HTML page without code.

    In-process nbconvert `HTMLExporter(exclude_input=True)` with prompts hidden, and a
    template that loads nothing from the network (docs/architecture.md, "Batch reports").
    The exporter keeps no state between calls, so one instance serves every report.
    """
    resources = {"metadata": {"name": title or "svmodel report"}, "svmodel_css": CSS + PRINT_CSS}
    body, _ = _exporter().from_notebook_node(notebook, resources=resources)
    return body
