"""The scenario explorer: ipywidgets controls over a scenario, live figures and charts.

Open a scenario file, move the controls of any outcome line (quantity, proxy value, deadweight,
displacement, attribution, drop-off, duration), of discounting and of the inputs, and the
headline figures (present value, NPV, SROI ratio, payback), the Monte Carlo band on the ratio
(P5-P95, from the scenario's `uncertainty:` section), the change from the saved baseline and the
charts update at once. Keep named variants side by side (each in its own colour), export the
comparison as CSV and xlsx, reset to the baseline, and save the current variant as a new
scenario file that passes `svmodel validate`. A scenario is opened by path, from the examples,
or with the file picker.

The calculation lives in `svmodel.explorer.state` and `svmodel.explorer.band` (no widgets);
this module only builds the controls, reads them into an `ExplorerState` and shows the results.
ipywidgets is imported only here. An error is shown beside the control or button that caused it
(a value outside its range under that slider, a bad file under the file chooser), never lost in
a callback.

Used by `notebooks/scenario_explorer.ipynb` and, through voila, by `svmodel explore FILE`.
References: SROI Guide (2012) stages 4-5 and its advice to test how sensitive the ratio is to
each judgement; HM Treasury Green Book (2022) Annex A6 (discounting).
"""

from __future__ import annotations

import base64
import os
import re
import time
import traceback
from pathlib import Path
from typing import Any, Callable

import ipywidgets as W

from svmodel.parameters import ADJUSTMENTS, PARAMETERS
from svmodel.explorer.band import MonteCarloBand, RatioBand
from svmodel.explorer.band_view import BASELINE_COLOUR, CURRENT_COLOUR, BandRow, VariantColours, band_svg
from svmodel.explorer.business_case import line_note
from svmodel.explorer.export import export_comparison
from svmodel.explorer.state import (
    FLAT,
    HEADLINE,
    LINE_FIELDS,
    ExplorerState,
    InputState,
    LineState,
    StateError,
    changed_fields,
    compare_figures,
    confine,
    default_save_path,
    line_changes,
    save_variant,
    side_by_side,
    state_from_scenario,
    state_problems,
    shown_value,
    variant_scenario,
)
from svmodel.results import calculate
from svmodel.scenario import parse_scenario
from svmodel.util.formatting import money, percent, ratio
from svmodel.library.proxies import ProxyLibrary, ProxyLibraryError, default_library
from svmodel.results import Results
from svmodel.util.safety import escape_html
from svmodel.scenario import Scenario, ScenarioError, load_scenario
from svmodel.resources import examples_dir
from svmodel.util.limits import MAX_YAML_BYTES

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
CHARTS = (("value_by_year", None), ("stakeholder", "stakeholder"), ("value_type", "value_type"))
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
.svx-swatch {display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px;}
.svx-feedback:empty {display: none;}
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


class ScenarioExplorer:
    """The explorer's widgets and their callbacks. `explorer.widget` is the box to display.

    `path` opens a scenario at once; `library` defaults to the shipped library plus any packs
    named in SVMODEL_EXPLORE_PROXIES; `charts=False` leaves the charts out (faster, for tests);
    `band=False` leaves the Monte Carlo band out.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, library: ProxyLibrary | None = None,
                 charts: bool = True, save_dir: str | os.PathLike[str] | None = None, band: bool = True):
        self._library = library
        self.charts_enabled = charts
        self.band_enabled = band
        self.save_dir = Path(save_dir) if save_dir else (
            Path(os.environ[ENV_SAVE_DIR]) if os.environ.get(ENV_SAVE_DIR) else None)
        self.scenario: Scenario | None = None
        self.source_name = ""  # the opened file's name (an uploaded file has no path)
        self.baseline: Results | None = None
        self.results: Results | None = None
        self.band: MonteCarloBand | None = None
        self.baseline_band: RatioBand | None = None
        self.current_band: RatioBand | None = None
        self.variants: dict[str, ExplorerState] = {}
        # each kept variant's ratio and band, computed once when kept (a kept state never changes)
        self.variant_bands: dict[str, tuple[float | None, RatioBand | None]] = {}
        self.variant_colours = VariantColours()
        self._quiet = False  # set while controls are changed from code: one update at the end
        self.last_update_ms = 0.0

        # feedback boxes: each message goes beside the control or button that caused it
        self.feedback: dict[str, W.HTML] = {}
        self.message_log: list[tuple[str, str]] = []  # (where, HTML) of every message shown
        # choosing a file: a path or an example, or the file picker
        self.file_box = W.Combobox(options=example_files(), placeholder="path of a scenario .yaml file",
                                   description="Scenario file", ensure_option=False, style=_STYLE,
                                   layout=W.Layout(width="640px"))
        self.open_button = W.Button(description="Open", icon="folder-open", button_style="primary")
        self.open_button.on_click(self._guard(lambda _: self.load(self.file_box.value.strip()), "file"))
        self.upload = W.FileUpload(accept=".yaml,.yml", multiple=False, description="Choose a file...",
                                   icon="upload", layout=W.Layout(width="auto"))
        self.upload.observe(self._guard(lambda change: self.load_upload(change["new"]), "file"),
                            names="value")
        self.title = W.HTML(CSS + "<h3>Scenario explorer</h3><p>Open a scenario file to begin: type "
                            "its path or pick an example, or choose a file from your computer.</p>")
        self.title.add_class("svx-title")
        self.body = W.VBox([])
        self.widget = W.VBox([
            self.title,
            W.HBox([self.file_box, self.open_button, self.upload]),
            self._box("file"),
            self.body,
        ])
        if path:
            self._guard(lambda: self.load(path), "file")()

    # ------------------------------------------------------------------ messages beside controls
    def _box(self, where: str) -> W.HTML:
        """The feedback box for `where` (a control key such as `line:<id>:deadweight`, or an
        action: file, variant, save, export, figures), created on first use."""
        if where not in self.feedback:
            box = W.HTML("")
            box.add_class("svx-feedback")
            box.add_class(f"svx-feedback-{where.replace(':', '-')}")
            self.feedback[where] = box
        return self.feedback[where]

    def _with_box(self, widget: W.Widget, where: str) -> W.VBox:
        return W.VBox([widget, self._box(where)], layout=W.Layout(margin="0"))

    def _say(self, where: str, text: str) -> None:
        box = self._box(where if where in self.feedback else "figures")
        box.value = CSS + text
        self.message_log.append((where, text))

    def messages_at(self, where: str) -> str:
        """The message shown beside `where` now ("" when none)."""
        return self.feedback[where].value if where in self.feedback else ""

    def clear_control_messages(self) -> None:
        """Clear the boxes beside value controls (kept: the messages of actions)."""
        for where, box in self.feedback.items():
            if where not in ("file", "variant", "save", "export"):
                box.value = ""

    def _guard(self, fn: Callable[..., Any], where: str = "figures") -> Callable[..., Any]:
        """Wrap a callback so any error is shown beside `where` instead of vanishing."""
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except Exception as exc:  # every failure must reach the page
                self.show_error(exc, where)
                return None
        return wrapped

    def show_error(self, exc: BaseException, where: str = "figures") -> None:
        stamp = time.strftime("%H:%M:%S")
        if isinstance(exc, (ScenarioError, StateError)):
            items = ([str(p) for p in exc.problems] if isinstance(exc, ScenarioError)
                     else [f"{w}: {m}" for w, m in exc.problems])
            body = "<ul>" + "".join(f"<li>{escape_html(i)}</li>" for i in items) + "</ul>"
            text = f"<div class='svx-error'>{stamp} cannot use this:{body}</div>"
        elif isinstance(exc, (OSError, ProxyLibraryError)):
            text = f"<div class='svx-error'>{stamp} {escape_html(str(exc))}</div>"
        else:
            trace = escape_html("".join(traceback.format_exception(exc)))
            text = (f"<div class='svx-error'>{stamp} internal error: {escape_html(type(exc).__name__)}: "
                    f"{escape_html(str(exc))}<details><summary>details</summary><pre>{trace}</pre>"
                    "</details></div>")
        self._say(where, text)

    def show_note(self, text: str, where: str) -> None:
        """A confirmation beside the button that did it; `text` is HTML (escape user strings)."""
        self._say(where, f"<div class='svx-ok'>{time.strftime('%H:%M:%S')} {text}</div>")

    # ------------------------------------------------------------------ loading
    @property
    def library(self) -> ProxyLibrary:
        if self._library is None:
            self._library = library_from_env()
        return self._library

    @property
    def folder(self) -> Path:
        """Where saved variants and exports go: --save-dir, else the scenario's folder."""
        if self.save_dir:
            return self.save_dir
        return self.scenario.path.parent if self.scenario and self.scenario.path else Path.cwd()

    def load(self, path: str | os.PathLike[str]) -> None:
        """Open a scenario file (validated; on error the current scenario stays open)."""
        if not str(path):
            raise StateError([("scenario file", "give the path of a scenario .yaml file")])
        scenario = load_scenario(Path(path).expanduser(), self.library)
        self.file_box.value = str(path)
        self._open(scenario, Path(path).name)

    def load_upload(self, value: Any) -> None:
        """Open a scenario chosen with the file picker (its YAML text, validated; proxy packs it
        names are looked up relative to the explorer's folder)."""
        files = list(value) if isinstance(value, (list, tuple)) else list(getattr(value, "values", lambda: [])())
        if not files:
            return
        try:
            self._load_uploaded(files[0])
        finally:
            self.upload.value = ()  # so choosing the same file again opens it again

    def _load_uploaded(self, item: dict[str, Any]) -> None:
        name = str(item.get("name") or "uploaded.yaml")
        content = bytes(item.get("content") or b"")
        if not name.lower().endswith((".yaml", ".yml")):
            raise StateError([("scenario file", f"{name!r} is not a scenario file: choose a .yaml file")])
        if len(content) > MAX_YAML_BYTES:
            raise StateError([("scenario file", f"{name!r} is larger than {MAX_YAML_BYTES // 1024 // 1024} MB")])
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            raise StateError([("scenario file", f"{name!r} is not UTF-8 text")]) from None
        base = self.save_dir or Path.cwd()
        scenario = parse_scenario(text, name, self.library, base_dir=base)
        self._open(scenario, name)

    def _open(self, scenario: Scenario, name: str) -> None:
        self.scenario = scenario
        self.source_name = name
        self.baseline = calculate(scenario)
        self.band = MonteCarloBand(scenario) if self.band_enabled else None
        self.baseline_band = self.band.ratio_band(scenario) if self.band else None
        self.variants = {}
        self.variant_bands = {}
        self.variant_colours = VariantColours()
        self._box("file").value = ""
        self._build(scenario)
        self.recompute()

    def _stem(self) -> str:
        return Path(self.source_name).stem or "scenario"

    def _default_save_path(self, variant: str) -> Path:
        assert self.scenario is not None
        default = default_save_path(self.scenario, variant, self.save_dir)
        if self.scenario.path is None:  # an uploaded file: name it after the upload
            default = self.folder / default.name.replace("scenario-", f"{self._stem()}-", 1)
        return default

    def _build(self, scenario: Scenario) -> None:
        model = scenario.model
        rate = scenario.discount_rate
        rate_text = rate if isinstance(rate, str) else f"{rate:.1%}"
        warnings = "".join(f"<li>{escape_html(w)}</li>" for w in scenario.warnings)
        self.title.value = (
            CSS + f"<h3>Scenario explorer: {escape_html(model.name)}</h3>"
            f"<p>{escape_html(model.organisation or '')} &middot; {model.kind} &middot; "
            f"{model.price_year} prices &middot; discounting {escape_html(rate_text)} &middot; "
            f"file <code>{escape_html(str(scenario.path or self.source_name))}</code></p>"
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
            if getattr(line, "origin", "") == "series":  # a value by year from a shipped series
                controls["unit_value"].disabled = True
                controls["unit_value"].tooltip = "This value comes year by year from a series"
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
            boxed = [self._with_box(widget, f"line:{line.id}:{name}") for name, widget in controls.items()]
            proxy = (f"proxy <code>{escape_html(line.proxy_id)}</code> ({escape_html(line.proxy_name)})"
                     if line.proxy_id else "inline value")
            source = (
                f"<div class='svx-note'>{proxy}: {money(line.original_value, 2)} "
                f"{escape_html(line.unit)} in {escape_html(line.original_price_year)} prices"
                + ("" if line.original_price_year == str(model.price_year) else
                   f", {money(shown_value(line), 2)} in {model.price_year} prices (GDP deflator)")
                + f"; {escape_html(line.value_type)}"
                f"{', ' + escape_html(line.beneficiary) if line.beneficiary else ''}.<br>Source: "
                f"{escape_html(line.source)}" + (f" [{escape_html(line.licence)}]" if line.licence else "")
                + (f"; confidence {escape_html(line.confidence)}" if line.confidence else "") + "</div>"
            )
            source += line_note(line)  # issue 14: funnel, grade, agency, cashable
            panels.append(W.VBox([W.HTML(CSS + source), *boxed]))
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
            input_rows += [self._box(f"input:{index}:amount"), self._box(f"input:{index}:year")]

        self.headline = W.HTML()
        self.headline.add_class("svx-headline")
        self.band_html = W.HTML()
        self.band_html.add_class("svx-band-box")
        self.changes = W.HTML()
        self.line_table = W.HTML()
        self.status = W.HTML()
        self.chart_images = {key: W.HTML() for key, _ in CHARTS}  # inline SVG (svmodel.report.svg)
        self._chart_inputs: dict[str, bytes] = {}
        charts = W.VBox([self.chart_images[key] for key, _ in CHARTS])
        self.chart_colours: dict[str, dict[str, str]] = {}
        if self.charts_enabled:  # matplotlib loads only when charts are drawn
            from svmodel.explorer.charts import category_colours

            self.chart_colours = {by: category_colours(self.baseline, by) for _, by in CHARTS if by}

        self.reset_button = W.Button(description="Reset to baseline", icon="undo")
        self.reset_button.on_click(self._guard(lambda _: self.reset(), "variant"))
        self.variant_name = W.Text(placeholder="e.g. Lower deadweight", description="Variant name",
                                   style=_STYLE, layout=W.Layout(width="360px"))
        self.keep_button = W.Button(description="Keep as variant", icon="plus")
        self.keep_button.on_click(self._guard(lambda _: self.keep_variant(self.variant_name.value), "variant"))
        self.variant_choice = W.Dropdown(options=[], description="Variants", style=_STYLE,
                                         layout=W.Layout(width="360px"))
        self.show_button = W.Button(description="Show in controls", icon="sliders")
        self.show_button.on_click(self._guard(lambda _: self.show_variant(self.variant_choice.value), "variant"))
        self.remove_button = W.Button(description="Remove", icon="trash")
        self.remove_button.on_click(self._guard(lambda _: self.remove_variant(self.variant_choice.value), "variant"))
        self.side_by_side = W.HTML()

        self.save_path = W.Text(value=str(self._default_save_path("variant")),
                                description="Save as", style=_STYLE, layout=W.Layout(width="98%"))
        self.overwrite = W.Checkbox(value=False, description="overwrite an existing file", indent=False)
        self.save_button = W.Button(description="Save scenario file", icon="save", button_style="success")
        self.save_button.on_click(self._guard(lambda _: self.save(self.save_path.value.strip()), "save"))

        self.export_stem = W.Text(value=f"{self._stem()}-comparison", description="Export as",
                                  style=_STYLE, layout=W.Layout(width="360px"))
        self.export_button = W.Button(description="Export comparison (CSV, xlsx)", icon="download")
        self.export_button.on_click(self._guard(lambda _: self.export(self.export_stem.value.strip()), "export"))

        results = W.VBox([
            W.HTML("<h4>Headline figures</h4>"), self.headline, self._box("figures"), self.band_html,
            self.status, self.changes,
            W.Accordion(children=[self.line_table], titles=("Present value by outcome line",)),
            charts,
        ])
        controls = W.VBox([
            W.HTML("<h4>Outcome lines</h4>"), self.lines_accordion,
            W.HTML("<h4>Discounting</h4>"), self._with_box(self.schedule, "schedule"),
            self._with_box(self.rate, "rate"), self.first_year,
            W.HTML("<h4>Inputs</h4>"), *input_rows, self._box("inputs"), self._box("outcomes"),
        ])
        variants = W.VBox([
            W.HTML("<h4>Variants</h4>"), W.HBox([self.variant_name, self.keep_button, self.reset_button]),
            W.HBox([self.variant_choice, self.show_button, self.remove_button]), self._box("variant"),
            self.side_by_side, W.HBox([self.export_stem, self.export_button]), self._box("export"),
            W.HTML("<h4>Save the current variant</h4>"), self.save_path,
            W.HBox([self.save_button, self.overwrite]), self._box("save"),
        ])
        controls.layout = W.Layout(width="50%", min_width="520px", padding="0 12px 0 0")
        side = W.VBox([results, variants], layout=W.Layout(width="50%", min_width="560px"))
        for button in (self.reset_button, self.keep_button, self.show_button, self.remove_button,
                       self.save_button, self.export_button):
            button.layout.width = "auto"
        self.body.children = [W.HBox([controls, side], layout=W.Layout(flex_flow="row wrap",
                                                                        align_items="flex-start"))]

    # ------------------------------------------------------------------ state <-> controls
    def read_state(self) -> ExplorerState:
        """The controls' values as an ExplorerState (percentages back to fractions)."""
        assert self.scenario is not None
        lines = tuple(
            LineState(id=line.id, quantity=c["quantity"].value,
                      unit_value=_pennies(c["unit_value"].value, shown_value(line)),
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
        """Read the controls, evaluate, and refresh figures, band, changes and charts."""
        if self.scenario is None or self.baseline is None:
            return None
        started = time.perf_counter()
        self.rate.disabled = self.schedule.value != FLAT
        state = self.read_state()
        self.clear_control_messages()
        problems = state_problems(self.scenario, state)
        try:
            if problems:
                raise StateError([(p.where, p.message) for p in problems])
            variant = variant_scenario(self.scenario, state)
        except (StateError, ScenarioError) as exc:
            self.results = None
            self.current_band = None
            self.headline.value = CSS + ("<div class='svx-error'>Cannot compute with these values: see the "
                                         "message beside the control.</div>")
            self.band_html.value = ""
            self._show_beside_controls(exc, problems)
            return None
        results = calculate(variant)
        self.results = results
        self.current_band = self.band.ratio_band(variant) if self.band else None
        self.headline.value = self._headline_html(results)
        self.band_html.value = self._band_html()
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

    def _show_beside_controls(self, exc: StateError | ScenarioError, problems: list) -> None:
        """Each problem in the box under its control (opening that line's panel); problems
        that belong to no control go under the headline figures."""
        assert self.scenario is not None
        stamp = time.strftime("%H:%M:%S")
        placed: list[tuple[str, str]] = []
        if problems:
            placed = [(p.control, f"{p.where}: {p.message}") for p in problems]
        else:  # the file data did not validate: place each problem by its field path
            placed = [(self._control_of(p.path), str(p.message)) for p in exc.problems]
        grouped: dict[str, list[str]] = {}
        for where, message in placed:
            grouped.setdefault(where if where in self.feedback else "figures", []).append(message)
        ids = [line.id for line in self.scenario.lines]
        for where, messages in grouped.items():
            items = "".join(f"<li>{escape_html(m)}</li>" for m in messages)
            self._say(where, f"<div class='svx-error'>{stamp} cannot use this value:<ul>{items}</ul></div>")
            if where.startswith("line:") and where.split(":")[1] in ids:
                self.lines_accordion.selected_index = ids.index(where.split(":")[1])

    def _control_of(self, path: str) -> str:
        """The control behind a scenario field path such as `outcomes[1].deadweight`."""
        assert self.scenario is not None
        found = re.match(r"outcomes\[(\d+)\]\.(\w+)", path or "")
        if found and int(found.group(1)) < len(self.scenario.lines):
            field = found.group(2)
            field = "unit_value" if field in ("value", "proxy") else field
            if field in LINE_FIELDS:
                return f"line:{self.scenario.lines[int(found.group(1))].id}:{field}"
        found = re.match(r"inputs\[(\d+)\]\.(amount|year)", path or "")
        if found:
            return f"input:{found.group(1)}:{found.group(2)}"
        if (path or "").startswith("discounting"):
            return "rate"
        return "figures"

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
            if f.key == "sroi_ratio" and self.band is not None:
                rows.append(self._band_row())
        return (CSS + "<table class='svx-table'><tr><th>Figure</th><th>Baseline</th><th>This variant</th>"
                "<th>Change</th></tr>" + "".join(rows) + "</table>")

    def _band_row(self) -> str:
        """The table row of the ratio's 90% range (P5-P95) and the chance it exceeds £1 : £1."""
        def text(band: RatioBand | None) -> str:
            if band is None:
                return "n/a"
            return f"{ratio(band.p5)} to {ratio(band.p95)}; {percent(band.above_one)} above £1 : £1"
        now, base = self.current_band, self.baseline_band
        data = "" if now is None else f" data-p5='{now.p5!r}' data-p95='{now.p95!r}'"
        return (f"<tr><td>SROI ratio, 5th-95th percentile<br><span class='svx-note'>Monte Carlo, "
                f"{self.band.draws:,} draws</span></td><td>{escape_html(text(base))}</td>"
                f"<td class='svx-figure svx-band-range'{data}><b>{escape_html(text(now))}</b></td><td></td></tr>")

    def _band_html(self) -> str:
        """The band chart: baseline, each kept variant (its own colour) and the current controls."""
        if self.band is None:
            return ""
        if not self.band.available:
            return CSS + ("<div class='svx-note'>No Monte Carlo band: the scenario has no "
                          "<code>uncertainty:</code> section. Add distributions there (see "
                          "docs/uncertainty.md) to see the range of the SROI ratio.</div>")
        assert self.scenario is not None and self.baseline is not None
        rows = [BandRow("Baseline", BASELINE_COLOUR, self.baseline.sroi_ratio, self.baseline_band)]
        for name in self.variants:
            kept_ratio, kept_band = self.variant_bands.get(name, (None, None))
            rows.append(BandRow(name, self.variant_colours[name], kept_ratio, kept_band))
        ratio_now = self.results.sroi_ratio if self.results is not None else None
        rows.append(BandRow("These controls", CURRENT_COLOUR, ratio_now, self.current_band))
        return (CSS + "<div class='svx-note'>SROI ratio: the dot is the ratio, the bar its 5th to 95th "
                f"percentile over {self.band.draws:,} draws of the scenario's uncertainty section "
                "(Green Book Annex A5); the dashed line is £1 : £1.</div>" + band_svg(rows))

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
        from svmodel.explorer import charts

        engine = results.engine
        inputs = {  # what each chart shows: an unchanged chart is not redrawn
            "value_by_year": engine.values.sum(axis=0).tobytes() + engine.discount_factors.tobytes(),
            "stakeholder": engine.line_present_values.tobytes(),
            "value_type": engine.line_present_values.tobytes(),
        }
        for key, by in CHARTS:
            if self._chart_inputs.get(key) == inputs[key]:
                continue
            self._chart_inputs[key] = inputs[key]
            self.chart_images[key].value = (charts.value_by_year(results) if by is None
                                            else charts.breakdown(results, by, self.chart_colours[by]))

    # ------------------------------------------------------------------ actions
    def reset(self) -> None:
        """Put the baseline values back into every control."""
        assert self.scenario is not None
        self.set_state(state_from_scenario(self.scenario))
        self.show_note("reset to the baseline values", "variant")

    def keep_variant(self, name: str) -> None:
        """Store the current controls as a named variant and show it side by side."""
        assert self.scenario is not None
        name = name.strip()
        if not name:
            raise StateError([("variant name", "type a name for the variant, e.g. 'Lower deadweight'")])
        if name.lower() == "baseline":
            raise StateError([("variant name", "'Baseline' is taken by the saved scenario; choose another name")])
        state = self.read_state()
        variant = variant_scenario(self.scenario, state)  # refuse values that cannot be evaluated
        self.variants[name] = state
        self.variant_bands[name] = (calculate(variant).sroi_ratio,
                                    self.band.ratio_band(variant) if self.band else None)
        self.variant_colours[name]  # noqa: B018 - give it its colour now, kept until removed
        self.variant_choice.options = list(self.variants)
        self.variant_choice.value = name
        self.save_path.value = str(self._default_save_path(name))
        self._refresh_side_by_side()
        self.show_note(f"kept variant {escape_html(name)}", "variant")

    def show_variant(self, name: str | None) -> None:
        if not name or name not in self.variants:
            raise StateError([("variants", "choose a kept variant first")])
        self.variant_name.value = name
        self.save_path.value = str(self._default_save_path(name))
        self.set_state(self.variants[name])

    def remove_variant(self, name: str | None) -> None:
        if not name or name not in self.variants:
            raise StateError([("variants", "choose a kept variant first")])
        del self.variants[name]
        self.variant_bands.pop(name, None)
        self.variant_colours.forget(name)
        self.variant_choice.options = list(self.variants)
        self._refresh_side_by_side()
        self.show_note(f"removed variant {escape_html(name)}", "variant")

    def _refresh_side_by_side(self) -> None:
        assert self.scenario is not None
        self.band_html.value = self._band_html()
        if not self.variants:
            self.side_by_side.value = ""
            return
        rows = side_by_side(self.scenario, self.variants)
        colours = {"Baseline": BASELINE_COLOUR, **{n: self.variant_colours[n] for n in self.variants}}
        head = "".join(f"<th><span class='svx-swatch' style='background:{colours[r['name']]}'></span>"
                       f"{escape_html(r['name'])}</th>" for r in rows)
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
        if self.band is not None and self.band.available:
            bands = {"Baseline": self.baseline_band, **{n: b for n, (_, b) in self.variant_bands.items()}}
            cells = "".join(f"<td>{escape_html(f'{ratio(b.p5)} to {ratio(b.p95)}') if b else 'n/a'}</td>"
                            for b in (bands.get(r["name"]) for r in rows))
            body.append(f"<tr><td>SROI ratio, 5th-95th percentile</td>{cells}</tr>")
        self.side_by_side.value = (CSS + "<table class='svx-table svx-variants'><tr><th>Figure</th>"
                                   + head + "</tr>" + "".join(body) + "</table>")

    def save(self, path: str) -> Path:
        """Save the controls' values as a new scenario file (validated first; atomic write)."""
        assert self.scenario is not None
        if not path:
            raise StateError([("save as", "give a file name ending in .yaml")])
        target = Path(path).expanduser()
        label = self.variant_name.value.strip()
        name = f"{self.scenario.name} ({label})" if label else f"{self.scenario.name} (explorer variant)"
        saved = save_variant(self.scenario, self.read_state(), target, name=name,
                             overwrite=self.overwrite.value, folder=self.folder)
        self.show_note(f"saved <code>{escape_html(str(saved))}</code>; check it with "
                       f"<code>svmodel validate {escape_html(str(saved))}</code>", "save")
        return saved

    def export(self, stem: str) -> tuple[Path, Path]:
        """Write the comparison of the baseline and the kept variants as `<stem>.csv` and
        `<stem>.xlsx` in the explorer's folder (atomically), with download links in the page."""
        assert self.scenario is not None
        stem = stem.strip()
        for suffix in (".csv", ".xlsx"):
            stem = stem[: -len(suffix)] if stem.lower().endswith(suffix) else stem
        if not stem:
            raise StateError([("export as", "give a file name, such as reablement-comparison")])
        target = confine(stem + ".csv", self.folder).with_suffix("")
        written = export_comparison(self.scenario, self.variants, target, self.band)
        links = " ".join(
            f"<a download='{escape_html(p.name)}' href='data:{mime};base64,"
            f"{base64.b64encode(p.read_bytes()).decode('ascii')}'>{escape_html(p.name)}</a>"
            for p, mime in zip(written, ("text/csv", "application/vnd.openxmlformats-officedocument."
                                                     "spreadsheetml.sheet")))
        count = len(self.variants)
        self.show_note(f"exported the baseline and {count} variant{'s' if count != 1 else ''} to "
                       f"<code>{escape_html(str(written[0]))}</code> and <code>{escape_html(written[1].name)}"
                       f"</code>; download: {links}", "export")
        return written


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
