"""The scenario explorer: ipywidgets controls over a scenario, live figures and charts.

Open a scenario file, move the controls of any outcome line (quantity, proxy value, deadweight,
displacement, attribution, drop-off, duration), of discounting and of the inputs, and the
headline figures (present value, NPV, SROI ratio, payback), the change from the saved baseline
and the charts update at once. Keep named variants side by side, reset to the baseline, and save
the current variant as a new scenario file that passes `svmodel validate`.

The calculation lives in `svmodel.explorer.state` (no widgets); this module only builds the
controls, reads them into an `ExplorerState` and shows the results. ipywidgets is imported only
here. Errors are shown in the page (an Output panel that keeps them until cleared), never lost
in a callback.

Used by `notebooks/scenario_explorer.ipynb` and, through voila, by `svmodel explore FILE`.
References: SROI Guide (2012) stages 4-5 and its advice to test how sensitive the ratio is to
each judgement; HM Treasury Green Book (2022) Annex A6 (discounting).
"""

from __future__ import annotations

import io
import os
import time
import traceback
from pathlib import Path
from typing import Any, Callable

import ipywidgets as W

from svmodel.parameters import ADJUSTMENTS, PARAMETERS
from svmodel.explorer.business_case import line_note
from svmodel.explorer.state import (
    FLAT,
    ExplorerState,
    InputState,
    LineState,
    StateError,
    compare_figures,
    changed_fields,
    default_save_path,
    state_results,
    line_changes,
    save_variant,
    side_by_side,
    state_from_scenario,
)
from svmodel.util.formatting import money
from svmodel.library.proxies import ProxyLibrary, ProxyLibraryError, default_library
from svmodel.results import Results
from svmodel.util.safety import escape_html
from svmodel.scenario import Scenario, ScenarioError, load_scenario
from svmodel.resources import examples_dir

ENV_FILE = "SVMODEL_EXPLORE_FILE"
ENV_PROXIES = "SVMODEL_EXPLORE_PROXIES"
ENV_SAVE_DIR = "SVMODEL_EXPLORE_SAVE_DIR"

SCHEDULE_LABELS = (
    ("Flat rate", FLAT),
    ("Green Book declining schedule (3.5%, then 3.0% after 30 years...)", "green_book"),
    ("Green Book health schedule (1.5%, then 1.29% after 30 years...)", "green_book_health"),
)
ADJUSTMENT_LABELS = tuple((name, f"{PARAMETERS[name].label} %", PARAMETERS[name].help)
                          for name in ADJUSTMENTS)
QUANTITY, VALUE, DURATION = PARAMETERS["quantity"], PARAMETERS["value"], PARAMETERS["duration"]
AMOUNT, YEAR = PARAMETERS["amount"], PARAMETERS["year"]
CHARTS = (("value_by_year", None, (7.5, 2.8)), ("stakeholder", "stakeholder", (7.5, 2.4)),
          ("value_type", "value_type", (7.5, 1.9)))
_STYLE = {"description_width": "150px"}
_WIDE = W.Layout(width="440px")

CSS = """
<style>
.svx-table {border-collapse: collapse; font-size: 14px; margin: 4px 0;}
.svx-table th, .svx-table td {padding: 3px 10px; border-bottom: 1px solid #ddd; text-align: right;}
.svx-table th:first-child, .svx-table td:first-child {text-align: left;}
.svx-up {color: #1a7f37;} .svx-down {color: #b42318;}
.svx-error {color: #b42318; border-left: 4px solid #b42318; padding: 4px 8px; margin: 4px 0;
  background: #fdf0ef;}
.svx-ok {color: #1a7f37;} .svx-note {color: #555; font-size: 12px;}
</style>
"""


def library_from_env() -> ProxyLibrary:
    """The default library plus any proxy packs named in SVMODEL_EXPLORE_PROXIES (os.pathsep)."""
    library = default_library()
    for pack in filter(None, os.environ.get(ENV_PROXIES, "").split(os.pathsep)):
        library = library.with_pack(Path(pack))
    return library


def example_files() -> list[str]:
    """The example scenarios shipped in params/examples (absolute paths), if present."""
    return sorted(str(p) for p in examples_dir().glob("*.yaml"))


def _pct(value: float) -> float:
    return round(float(value) * 100.0, 6)


def _fraction(percent: float) -> float:
    """A slider's percentage as a fraction, rounded so 33.3% saves as 0.333, not 0.33299999999999996."""
    return round(float(percent) / 100.0, 8)


def _pennies(shown: float, exact: float) -> float:
    """The proxy value control shows pence; an untouched control stands for the exact value."""
    return exact if shown == round(exact, 2) else float(shown)


def _slider(description: str, value: float, tooltip: str, top: float = 100.0) -> W.FloatSlider:
    return W.FloatSlider(value=value, min=0.0, max=top, step=0.1, readout_format=".1f",
                         description=description, description_allow_html=False, tooltip=tooltip,
                         continuous_update=False, style=_STYLE, layout=_WIDE)


def _png(fig: Any, dpi: int = 80) -> bytes:
    """PNG bytes of a Figure, drawn once on an Agg canvas (savefig would lay it out twice)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    fig.set_dpi(dpi)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    buffer = io.BytesIO()
    Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba()).save(
        buffer, format="png", compress_level=1)
    return buffer.getvalue()


class ScenarioExplorer:
    """The explorer's widgets and their callbacks. `explorer.widget` is the box to display.

    `path` opens a scenario at once; `library` defaults to the shipped library plus any packs
    named in SVMODEL_EXPLORE_PROXIES; `charts=False` leaves the charts out (faster, for tests).
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, library: ProxyLibrary | None = None,
                 charts: bool = True, save_dir: str | os.PathLike[str] | None = None):
        self._library = library
        self.charts_enabled = charts
        self.save_dir = Path(save_dir) if save_dir else (
            Path(os.environ[ENV_SAVE_DIR]) if os.environ.get(ENV_SAVE_DIR) else None)
        self.scenario: Scenario | None = None
        self.baseline: Results | None = None
        self.results: Results | None = None
        self.variants: dict[str, ExplorerState] = {}
        self._quiet = False  # set while controls are changed from code: one update at the end
        self.last_update_ms = 0.0

        # messages: errors stay until the user clears them
        self.message_log: list[str] = []  # the HTML of each message shown, oldest first
        self.messages = W.Output(layout=W.Layout(max_height="260px", overflow="auto"))
        self.clear_button = W.Button(description="Clear messages", icon="eraser",
                                     layout=W.Layout(width="160px"))
        self.clear_button.on_click(self._guard(lambda _: self.clear_messages()))
        # choosing a file
        self.file_box = W.Combobox(options=example_files(), placeholder="path of a scenario .yaml file",
                                   description="Scenario file", ensure_option=False, style=_STYLE,
                                   layout=W.Layout(width="640px"))
        self.open_button = W.Button(description="Open", icon="folder-open", button_style="primary")
        self.open_button.on_click(self._guard(lambda _: self.load(self.file_box.value.strip())))
        self.title = W.HTML(CSS + "<h3>Scenario explorer</h3><p>Open a scenario file to begin.</p>")
        self.title.add_class("svx-title")
        self.body = W.VBox([])
        self.widget = W.VBox([
            self.title,
            W.HBox([self.file_box, self.open_button]),
            self.body,
            W.HTML("<b>Messages</b>"), self.messages, self.clear_button,
        ])
        if path:
            self._guard(lambda: self.load(path))()

    # ------------------------------------------------------------------ errors
    def _guard(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """Wrap a callback so any error is shown in the page instead of vanishing."""
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except Exception as exc:  # every failure must reach the page
                self.show_error(exc)
                return None
        return wrapped

    def show_error(self, exc: BaseException) -> None:
        stamp = time.strftime("%H:%M:%S")
        if isinstance(exc, (ScenarioError, StateError)):
            items = ([str(p) for p in exc.problems] if isinstance(exc, ScenarioError)
                     else [f"{w}: {m}" for w, m in exc.problems])
            body = "<ul>" + "".join(f"<li>{escape_html(i)}</li>" for i in items) + "</ul>"
            text = f"<div class='svx-error'>{stamp} cannot use these values:{body}</div>"
        elif isinstance(exc, (OSError, ProxyLibraryError)):
            text = f"<div class='svx-error'>{stamp} {escape_html(str(exc))}</div>"
        else:
            trace = escape_html("".join(traceback.format_exception(exc)))
            text = (f"<div class='svx-error'>{stamp} internal error: {escape_html(type(exc).__name__)}: "
                    f"{escape_html(str(exc))}<details><summary>details</summary><pre>{trace}</pre>"
                    "</details></div>")
        self._message(text)

    def _message(self, text: str) -> None:
        self.message_log.append(text)
        self.messages.append_display_data(W.HTML(CSS + text))

    def clear_messages(self) -> None:
        self.message_log.clear()
        self.messages.outputs = ()

    def show_note(self, text: str) -> None:
        stamp = time.strftime("%H:%M:%S")
        self._message(f"<div class='svx-ok'>{stamp} {text}</div>")

    # ------------------------------------------------------------------ loading
    @property
    def library(self) -> ProxyLibrary:
        if self._library is None:
            self._library = library_from_env()
        return self._library

    def load(self, path: str | os.PathLike[str]) -> None:
        """Open a scenario file (validated; on error the current scenario stays open)."""
        if not str(path):
            raise StateError([("scenario file", "give the path of a scenario .yaml file")])
        scenario = load_scenario(Path(path).expanduser(), self.library)
        self.scenario = scenario
        self.baseline = state_results(scenario, state_from_scenario(scenario))
        self.variants = {}
        self.file_box.value = str(path)
        self._build(scenario)
        self.recompute()

    def _build(self, scenario: Scenario) -> None:
        model = scenario.model
        rate = scenario.discount_rate
        rate_text = rate if isinstance(rate, str) else f"{rate:.1%}"
        warnings = "".join(f"<li>{escape_html(w)}</li>" for w in scenario.warnings)
        self.title.value = (
            CSS + f"<h3>Scenario explorer: {escape_html(model.name)}</h3>"
            f"<p>{escape_html(model.organisation or '')} &middot; {model.kind} &middot; "
            f"{model.price_year} prices &middot; discounting {escape_html(rate_text)} &middot; "
            f"file <code>{escape_html(str(scenario.path))}</code></p>"
            + (f"<details><summary>{len(scenario.warnings)} warning(s) in the baseline</summary>"
               f"<ul class='svx-note'>{warnings}</ul></details>" if warnings else "")
        )
        state = state_from_scenario(scenario)

        self.line_controls: list[dict[str, W.Widget]] = []
        panels = []
        for line, s in zip(scenario.lines, state.lines):
            controls: dict[str, W.Widget] = {
                "quantity": W.BoundedFloatText(value=s.quantity, min=QUANTITY.low, max=QUANTITY.high, step=1,
                                               description=QUANTITY.label, tooltip=QUANTITY.help,
                                               style=_STYLE, layout=_WIDE),
                "unit_value": W.BoundedFloatText(value=round(s.unit_value, 2), min=VALUE.low,
                                                 max=VALUE.high, step=1, tooltip=VALUE.help,
                                                 description=f"Proxy value (£, {model.price_year})",
                                                 style=_STYLE, layout=_WIDE),
            }
            for name, label, tip in ADJUSTMENT_LABELS:
                controls[name] = _slider(label, _pct(getattr(s, name)), tip)
                controls[name].add_class(f"svx-{line.id}-{name}")
            controls["duration"] = W.IntSlider(
                value=s.duration, min=int(DURATION.low),
                max=int(min(DURATION.high, max(10, 2 * s.duration))), description=DURATION.heading,
                tooltip=DURATION.help, continuous_update=False, style=_STYLE, layout=_WIDE)
            for name, widget in controls.items():
                widget.add_class(f"svx-{line.id}-{name}")
                widget.observe(self._changed, names="value")
            self.line_controls.append(controls)
            proxy = (f"proxy <code>{escape_html(line.proxy_id)}</code> ({escape_html(line.proxy_name)})"
                     if line.proxy_id else "inline value")
            source = (
                f"<div class='svx-note'>{proxy}: {money(line.original_value, 2)} "
                f"{escape_html(line.unit)} in {escape_html(line.original_price_year)} prices"
                + ("" if line.original_price_year == str(model.price_year) else
                   f", {money(line.unit_value, 2)} in {model.price_year} prices (GDP deflator)")
                + f"; {escape_html(line.value_type)}"
                f"{', ' + escape_html(line.beneficiary) if line.beneficiary else ''}.<br>Source: "
                f"{escape_html(line.source)}" + (f" [{escape_html(line.licence)}]" if line.licence else "")
                + (f"; confidence {escape_html(line.confidence)}" if line.confidence else "") + "</div>"
            )
            source += line_note(line)  # issue 14: funnel, grade, agency, cashable
            panels.append(W.VBox([W.HTML(CSS + source), *controls.values()]))
        self.lines_accordion = W.Accordion(children=panels, titles=tuple(
            f"{l.id}: {l.outcome} ({l.stakeholder})" for l in scenario.lines))
        if panels:
            self.lines_accordion.selected_index = 0

        self.schedule = W.Dropdown(options=SCHEDULE_LABELS, value=state.schedule,
                                   description="Discounting", style=_STYLE, layout=W.Layout(width="98%"))
        self.rate = _slider("Discount rate %", _pct(state.rate), "flat annual discount rate",
                            top=max(15.0, min(99.0, _pct(state.rate) * 2)))
        self.rate.add_class("svx-rate")
        self.rate.disabled = state.schedule != FLAT
        self.first_year = W.Checkbox(value=state.first_year_discounted, indent=False,
                                     description="Discount the first year (SROI Guide; untick for "
                                                 "the Green Book's undiscounted year 1)",
                                     layout=W.Layout(width="98%"))
        for widget in (self.schedule, self.rate, self.first_year):
            widget.observe(self._changed, names="value")

        self.input_controls: list[tuple[W.BoundedFloatText, W.BoundedIntText]] = []
        input_rows = []
        for index, (item, s) in enumerate(zip(model.inputs, state.inputs)):
            amount = W.BoundedFloatText(value=s.amount, min=AMOUNT.low, max=AMOUNT.high, step=1000,
                                        description=AMOUNT.heading, tooltip=AMOUNT.help,
                                        layout=W.Layout(width="260px"))
            year = W.BoundedIntText(value=s.year, min=int(YEAR.low), max=int(YEAR.high),
                                    description=YEAR.label, tooltip=YEAR.help,
                                    layout=W.Layout(width="160px"))
            amount.add_class(f"svx-input-{index}-amount")
            for widget in (amount, year):
                widget.observe(self._changed, names="value")
            self.input_controls.append((amount, year))
            label = escape_html(item.stakeholder + (f": {item.description}" if item.description else ""))
            input_rows.append(W.HBox([W.HTML(f"<div style='width:200px'>{label}</div>"), amount, year]))

        self.headline = W.HTML()
        self.headline.add_class("svx-headline")
        self.changes = W.HTML()
        self.line_table = W.HTML()
        self.status = W.HTML()
        self.chart_images = {key: W.Image(format="png") for key, _, _ in CHARTS}
        self._chart_inputs: dict[str, bytes] = {}
        charts = W.VBox([self.chart_images[key] for key, _, _ in CHARTS])

        self.reset_button = W.Button(description="Reset to baseline", icon="undo")
        self.reset_button.on_click(self._guard(lambda _: self.reset()))
        self.variant_name = W.Text(placeholder="e.g. Lower deadweight", description="Variant name",
                                   style=_STYLE, layout=W.Layout(width="360px"))
        self.keep_button = W.Button(description="Keep as variant", icon="plus")
        self.keep_button.on_click(self._guard(lambda _: self.keep_variant(self.variant_name.value)))
        self.variant_choice = W.Dropdown(options=[], description="Variants", style=_STYLE,
                                         layout=W.Layout(width="360px"))
        self.show_button = W.Button(description="Show in controls", icon="sliders")
        self.show_button.on_click(self._guard(lambda _: self.show_variant(self.variant_choice.value)))
        self.remove_button = W.Button(description="Remove", icon="trash")
        self.remove_button.on_click(self._guard(lambda _: self.remove_variant(self.variant_choice.value)))
        self.side_by_side = W.HTML()

        self.save_path = W.Text(value=str(default_save_path(scenario, "variant", self.save_dir)),
                                description="Save as", style=_STYLE, layout=W.Layout(width="98%"))
        self.overwrite = W.Checkbox(value=False, description="overwrite an existing file", indent=False)
        self.save_button = W.Button(description="Save scenario file", icon="save", button_style="success")
        self.save_button.on_click(self._guard(lambda _: self.save(self.save_path.value.strip())))

        results = W.VBox([
            W.HTML("<h4>Headline figures</h4>"), self.headline, self.status, self.changes,
            W.Accordion(children=[self.line_table], titles=("Present value by outcome line",)),
            charts,
        ])
        controls = W.VBox([
            W.HTML("<h4>Outcome lines</h4>"), self.lines_accordion,
            W.HTML("<h4>Discounting</h4>"), self.schedule, self.rate, self.first_year,
            W.HTML("<h4>Inputs</h4>"), *input_rows,
        ])
        variants = W.VBox([
            W.HTML("<h4>Variants</h4>"), W.HBox([self.variant_name, self.keep_button, self.reset_button]),
            W.HBox([self.variant_choice, self.show_button, self.remove_button]), self.side_by_side,
            W.HTML("<h4>Save the current variant</h4>"), self.save_path,
            W.HBox([self.save_button, self.overwrite]),
        ])
        controls.layout = W.Layout(width="50%", min_width="520px", padding="0 12px 0 0")
        side = W.VBox([results, variants], layout=W.Layout(width="50%", min_width="560px"))
        for button in (self.reset_button, self.keep_button, self.show_button, self.remove_button,
                       self.save_button):
            button.layout.width = "auto"
        self.body.children = [W.HBox([controls, side], layout=W.Layout(flex_flow="row wrap",
                                                                        align_items="flex-start"))]

    # ------------------------------------------------------------------ state <-> controls
    def read_state(self) -> ExplorerState:
        """The controls' values as an ExplorerState (percentages back to fractions)."""
        assert self.scenario is not None
        lines = tuple(
            LineState(id=line.id, quantity=c["quantity"].value,
                      unit_value=_pennies(c["unit_value"].value, line.unit_value),
                      deadweight=_fraction(c["deadweight"].value),
                      displacement=_fraction(c["displacement"].value),
                      attribution=_fraction(c["attribution"].value),
                      drop_off=_fraction(c["drop_off"].value), duration=c["duration"].value)
            for line, c in zip(self.scenario.lines, self.line_controls)
        )
        inputs = tuple(InputState(amount=a.value, year=y.value) for a, y in self.input_controls)
        return ExplorerState(lines=lines, inputs=inputs, schedule=self.schedule.value,
                             rate=_fraction(self.rate.value), first_year_discounted=self.first_year.value)

    def set_state(self, state: ExplorerState) -> None:
        """Put a state into the controls, then update once."""
        self._quiet = True
        try:
            for s, c in zip(state.lines, self.line_controls):
                c["quantity"].value = s.quantity
                c["unit_value"].value = round(s.unit_value, 2)
                for name, _, _ in ADJUSTMENT_LABELS:
                    c[name].value = _pct(getattr(s, name))
                c["duration"].max = max(c["duration"].max, int(s.duration))
                c["duration"].value = int(s.duration)
            for s, (amount, year) in zip(state.inputs, self.input_controls):
                amount.value, year.value = s.amount, s.year
            self.schedule.value = state.schedule
            self.rate.value = _pct(state.rate)
            self.first_year.value = state.first_year_discounted
        finally:
            self._quiet = False
        self.recompute()

    def _changed(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        self._guard(self.recompute)()

    # ------------------------------------------------------------------ updating
    def recompute(self) -> Results | None:
        """Read the controls, evaluate, and refresh figures, changes and charts."""
        if self.scenario is None or self.baseline is None:
            return None
        started = time.perf_counter()
        self.rate.disabled = self.schedule.value != FLAT
        state = self.read_state()
        try:
            results = state_results(self.scenario, state)
        except StateError as exc:
            self.results = None
            items = "".join(f"<li>{escape_html(w)}: {escape_html(m)}</li>" for w, m in exc.problems)
            self.headline.value = CSS + f"<div class='svx-error'>Cannot compute with these values:<ul>{items}</ul></div>"
            self.show_error(exc)
            return None
        self.results = results
        self.headline.value = self._headline_html(results)
        changes = changed_fields(self.scenario, state)
        self.changes.value = CSS + (
            "<div class='svx-note'>Changed from the baseline: " + escape_html("; ".join(changes)) + "</div>"
            if changes else "<div class='svx-note'>These are the baseline values.</div>")
        self.line_table.value = self._lines_html(results)
        if self.charts_enabled:
            self._draw_charts(results)
        self.last_update_ms = (time.perf_counter() - started) * 1000
        self.status.value = f"<div class='svx-note'>Updated in {self.last_update_ms:.0f} ms.</div>"
        return results

    def _headline_html(self, results: Results) -> str:
        assert self.baseline is not None
        rows = []
        for f in compare_figures(results, self.baseline):
            better = f.change is not None and f.change != 0 and (
                (f.change > 0) != (f.key in ("total_inputs", "payback_months")))
            tone = "" if not f.change else ("svx-up" if better else "svx-down")
            value = "" if f.value is None else f"{f.value!r}"
            rows.append(f"<tr><td>{f.label}</td><td>{escape_html(f.baseline_text)}</td>"
                        f"<td class='svx-figure svx-{f.key}' data-value='{value}'><b>{escape_html(f.text)}</b></td>"
                        f"<td class='svx-change {tone}'>{escape_html(f.change_text)}</td></tr>")
        return (CSS + "<table class='svx-table'><tr><th>Figure</th><th>Baseline</th><th>This variant</th>"
                "<th>Change</th></tr>" + "".join(rows) + "</table>")

    def _lines_html(self, results: Results) -> str:
        assert self.baseline is not None
        rows = "".join(
            f"<tr><td>{escape_html(r['id'])}</td><td>{escape_html(r['stakeholder'])}</td>"
            f"<td>{money(r['baseline'])}</td><td>{money(r['present_value'])}</td>"
            f"<td>{('+' if r['change'] > 0 else '') + money(r['change']) if abs(r['change']) > 1e-6 else 'no change'}</td></tr>"
            for r in line_changes(results, self.baseline))
        return (CSS + "<table class='svx-table'><tr><th>Line</th><th>Stakeholder</th><th>Baseline PV</th>"
                "<th>PV now</th><th>Change</th></tr>" + rows + "</table>")

    def _draw_charts(self, results: Results) -> None:
        from svmodel.report import charts  # matplotlib loads only when charts are drawn

        engine = results.engine
        inputs = {  # what each chart shows: an unchanged chart is not redrawn
            "value_by_year": engine.values.sum(axis=0).tobytes() + engine.discount_factors.tobytes(),
            "stakeholder": engine.line_present_values.tobytes(),
            "value_type": engine.line_present_values.tobytes(),
        }
        for key, by, size in CHARTS:
            if self._chart_inputs.get(key) == inputs[key]:
                continue
            self._chart_inputs[key] = inputs[key]
            if by is None:
                fig = charts.value_by_year(results, size)
            else:
                fig = charts.breakdown(results, by, size)
            self.chart_images[key].value = _png(fig)

    # ------------------------------------------------------------------ actions
    def reset(self) -> None:
        """Put the baseline values back into every control."""
        assert self.scenario is not None
        self.set_state(state_from_scenario(self.scenario))
        self.show_note("reset to the baseline values")

    def keep_variant(self, name: str) -> None:
        """Store the current controls as a named variant and show it side by side."""
        name = name.strip()
        if not name:
            raise StateError([("variant name", "type a name for the variant, e.g. 'Lower deadweight'")])
        if name.lower() == "baseline":
            raise StateError([("variant name", "'Baseline' is taken by the saved scenario; choose another name")])
        state = self.read_state()
        state_results(self.scenario, state)  # refuse to keep values that cannot be evaluated
        self.variants[name] = state
        self.variant_choice.options = list(self.variants)
        self.variant_choice.value = name
        self.save_path.value = str(default_save_path(self.scenario, name, self.save_dir))
        self._refresh_side_by_side()
        self.show_note(f"kept variant {escape_html(name)!s}")

    def show_variant(self, name: str | None) -> None:
        if not name or name not in self.variants:
            raise StateError([("variants", "choose a kept variant first")])
        self.variant_name.value = name
        self.save_path.value = str(default_save_path(self.scenario, name, self.save_dir))
        self.set_state(self.variants[name])

    def remove_variant(self, name: str | None) -> None:
        if not name or name not in self.variants:
            raise StateError([("variants", "choose a kept variant first")])
        del self.variants[name]
        self.variant_choice.options = list(self.variants)
        self._refresh_side_by_side()

    def _refresh_side_by_side(self) -> None:
        assert self.scenario is not None
        if not self.variants:
            self.side_by_side.value = ""
            return
        rows = side_by_side(self.scenario, self.variants)
        head = "".join(f"<th>{escape_html(r['name'])}</th>" for r in rows)
        from svmodel.explorer.state import HEADLINE

        body = []
        for key, label, _, _ in HEADLINE:
            cells = []
            for r in rows:
                if "error" in r:
                    cells.append(f"<td class='svx-down'>{escape_html(r['error'])}</td>")
                    continue
                f = r["figures"][key]
                extra = "" if r["name"] == "Baseline" else f"<br><span class='svx-note'>{escape_html(f.change_text)}</span>"
                cells.append(f"<td>{escape_html(f.text)}{extra}</td>")
            body.append(f"<tr><td>{label}</td>{''.join(cells)}</tr>")
        self.side_by_side.value = (CSS + "<table class='svx-table svx-variants'><tr><th>Figure</th>"
                                   + head + "</tr>" + "".join(body) + "</table>")

    def save(self, path: str) -> Path:
        """Save the controls' values as a new scenario file (validated first; atomic write)."""
        assert self.scenario is not None
        if not path:
            raise StateError([("save as", "give a file name ending in .yaml")])
        folder = self.save_dir or (self.scenario.path.parent if self.scenario.path else Path.cwd())
        target = Path(path).expanduser()
        label = self.variant_name.value.strip()
        name = f"{self.scenario.name} ({label})" if label else f"{self.scenario.name} (explorer variant)"
        saved = save_variant(self.scenario, self.read_state(), target, name=name,
                             overwrite=self.overwrite.value, folder=folder)
        self.show_note(f"saved <code>{escape_html(str(saved))}</code>; check it with "
                       f"<code>svmodel validate {escape_html(str(saved))}</code>")
        return saved


def explore(path: str | os.PathLike[str] | None = None, **kwargs: Any) -> W.VBox:
    """Build the explorer and return its widget (the notebook displays it).

    `path` empty or None falls back to the SVMODEL_EXPLORE_FILE environment variable (set by
    `svmodel explore FILE`); with neither, the page opens with the file chooser only.
    """
    path = path or os.environ.get(ENV_FILE) or None
    explorer = ScenarioExplorer(path, **kwargs)
    explorer.widget._svmodel_explorer = explorer  # keeps callbacks' owner reachable from the widget
    return explorer.widget


__all__ = ["ScenarioExplorer", "explore", "example_files", "library_from_env"]
