"""Report sections from Jinja2 templates (svmodel/report/templates/sroi/), autoescaped.

Every value a template prints is escaped by Jinja2's autoescape unless it is an `Html`
fragment (markup svmodel built itself, already escaped: charts, tables); links go through
`svmodel.util.safety.safe_url` (the `link` filter). The environment is built once per process.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from svmodel.report.html import Html
from svmodel.resources import templates_dir
from svmodel.util.formatting import money, money_axis, percent, ratio
from svmodel.util.safety import css_string, html_link


def template_environment(loader: Any, **options: Any) -> Any:
    """A Jinja2 environment as every svmodel page uses one: autoescape on, undefined names an
    error, block tags trimmed, and the filters that pass svmodel's own safe markup through
    (`link`: svmodel.util.safety.html_link; `css_string`: an inert CSS string)."""
    import jinja2
    from markupsafe import Markup

    env = jinja2.Environment(loader=loader, autoescape=True, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined, **options)
    env.filters.update({
        "link": lambda url, text=None: Markup(html_link(url, text)),
        "css_string": lambda v: Markup(css_string(v)),
    })
    return env


@lru_cache(maxsize=1)
def environment() -> Any:
    import jinja2

    env = template_environment(jinja2.FileSystemLoader(str(templates_dir() / "sroi")))
    env.filters.update({
        "money": money, "money_axis": money_axis, "ratio": ratio,
        "percent": lambda v, d=0: percent(v, d),
        "paragraphs": _paragraphs,
    })
    return env


def _paragraphs(text: Any) -> Any:
    """Text with blank lines between paragraphs as escaped <p> elements."""
    from markupsafe import Markup, escape

    parts = [p.strip() for p in str(text or "").split("\n\n") if p.strip()]
    return Markup("".join(f"<p>{escape(p)}</p>" for p in parts))


def render(template: str, **context: Any) -> Html:
    """Render `template` (a file name in templates/sroi) to an `Html` fragment."""
    from markupsafe import Markup

    safe = {k: (Markup(str(v)) if isinstance(v, Html) else v) for k, v in context.items()}
    return Html(environment().get_template(template).render(**safe))


def markup(fragment: Html | str) -> Any:
    """An `Html` fragment for use inside a template context nested in a list or dict."""
    from markupsafe import Markup

    return Markup(str(fragment))
