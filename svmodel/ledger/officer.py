"""The partnership officer's page (ipywidgets, served by `svmodel ledger open` with voila):
upload a return and see its problems, the queue of returns to verify, verify or reject with a
reason, and publish the site. All logic lives in `svmodel.ledger.officer_actions`."""

from __future__ import annotations

import os

import ipywidgets as w
from IPython.display import display

from svmodel.util.formatting import money
from svmodel.ledger import officer_actions as actions
from svmodel.ledger.config import load_config
from svmodel.ledger.db import open_ledger
from svmodel.ledger.models import ASSURANCE, KINDS, SECTORS
from svmodel.util.safety import escape_html


def _html(text: str, cls: str) -> str:
    return f'<div class="{cls}">{text}</div>'


def officer_page(db: str = "", site: str = "", config: str = "") -> w.VBox:
    """Build and display the page for the ledger at `db` (default $SVMODEL_LEDGER_URL)."""
    ledger = open_ledger(db or os.environ.get("SVMODEL_LEDGER_URL") or None)
    settings = load_config(config or os.environ.get("SVMODEL_LEDGER_CONFIG") or None)
    site = site or os.environ.get("SVMODEL_LEDGER_SITE") or "site"

    # ---------------------------------------------------------------- headline
    head = w.HTML()

    def refresh_head() -> None:
        data = actions.headline(ledger)
        rows = "".join(f"<tr><th scope='row'>{k}</th><td>{money(v['verified'])}</td><td>{money(v['unverified'])}</td></tr>"
                       for k, v in data["value_by_kind"].items())
        r = data["returns"]
        head.value = (f"<h2>{escape_html(settings.name)}</h2><p>{data['organisations']} organisations; "
                      f"{r['current']} returns: {r['verified']} verified, {r['submitted']} to verify, "
                      f"{r['rejected']} rejected.</p><table class='svl-head'><caption>Value by kind (never added "
                      "together)</caption><tr><th>Kind</th><th>Verified</th><th>Self-reported</th></tr>"
                      f"{rows}</table>")

    # ---------------------------------------------------------------- upload
    upload = w.FileUpload(accept=".csv,.xlsx,.yaml,.yml", multiple=False, description="Choose return")
    org = w.Text(description="Organisation", placeholder="as registered")
    sector = w.Dropdown(options=[("(existing organisation)", None)] + [(s, s) for s in SECTORS[:-1]],
                        description="Sector")
    period = w.Text(description="Period", placeholder="2026/27")
    kind = w.Dropdown(options=[("(from the file)", None)] + [(k, k) for k in KINDS], description="Kind")
    check_button = w.Button(description="Check", button_style="info")
    submit_button = w.Button(description="Submit", button_style="primary")
    upload_out = w.HTML()
    upload_out.add_class("svl-upload-result")

    def _file() -> tuple[bytes, str] | None:
        if not upload.value:
            upload_out.value = _html("Choose a file first.", "svl-bad")
            return None
        item = upload.value[0]
        return bytes(item["content"]), item["name"]

    def on_check(_=None) -> None:
        f = _file()
        if f is None:
            return
        result = actions.check_upload(f[0], f[1], settings, kind.value)
        if result.ok:
            upload_out.value = _html(f"{escape_html(f[1])}: no problems; {result.lines} lines, counted value "
                                     f"{money(result.total_value)} ({escape_html(result.kind)}).", "svl-ok")
        else:
            items = "".join(f"<li>{escape_html(p)}</li>" for p in result.problems)
            upload_out.value = _html(f"{escape_html(f[1])}: {len(result.problems)} problem(s); nothing stored."
                                     f"<ul>{items}</ul>", "svl-bad")

    def on_submit(_=None) -> None:
        f = _file()
        if f is None:
            return
        stored, message = actions.submit_upload(ledger, f[0], f[1], org.value, period.value, settings,
                                                kind.value, sector.value)
        lines = "".join(f"<li>{escape_html(m)}</li>" for m in message.splitlines())
        upload_out.value = _html(f"<ul>{lines}</ul>", "svl-ok" if stored or "already" in message else "svl-bad")
        refresh()

    check_button.on_click(on_check)
    submit_button.on_click(on_submit)

    # ---------------------------------------------------------------- queue
    queue_html = w.HTML()
    pick = w.Dropdown(description="Return")
    reviewer = w.Text(description="Your name", placeholder="verifier's name")
    level = w.Dropdown(options=list(ASSURANCE[1:]), description="Level")
    reason = w.Text(description="Reason", placeholder="required to reject")
    verify_button = w.Button(description="Verify", button_style="success")
    reject_button = w.Button(description="Reject", button_style="danger")
    review_out = w.HTML()
    review_out.add_class("svl-review-result")

    def refresh_queue() -> None:
        rows = actions.queue(ledger)
        body = "".join(f"<tr><td>{r['id']}</td><td>{escape_html(r['organisation'])}</td><td>{escape_html(r['period'])}"
                       f"</td><td>{escape_html(r['kind'])}</td><td>{r['version']}</td><td>{money(r['total_value'])}</td></tr>"
                       for r in rows)
        queue_html.value = ("<table class='svl-queue'><caption>Returns to verify</caption><tr><th>Id</th>"
                            "<th>Organisation</th><th>Period</th><th>Kind</th><th>Version</th><th>Value</th></tr>"
                            f"{body}</table>" if rows else "<p>Nothing to verify.</p>")
        pick.options = [(f"{r['id']}: {r['organisation']} {r['period']} {r['kind']}", r["id"]) for r in rows]
        pick.value = rows[0]["id"] if rows else None  # the oldest return first

    def do_review(rejecting: bool) -> None:
        if pick.value is None:
            review_out.value = _html("Choose a return.", "svl-bad")
            return
        if rejecting and not reason.value.strip():
            review_out.value = _html("Give the reason for rejecting.", "svl-bad")
            return
        ok, message = actions.review(ledger, int(pick.value), reviewer.value, None if rejecting else level.value,
                                     reason.value if rejecting else None)
        review_out.value = _html(escape_html(message), "svl-ok" if ok else "svl-bad")
        refresh()

    verify_button.on_click(lambda _: do_review(False))
    reject_button.on_click(lambda _: do_review(True))

    # ---------------------------------------------------------------- publish
    site_box = w.Text(value=str(site), description="Site folder")
    publish_button = w.Button(description="Publish", button_style="warning")
    publish_out = w.HTML()

    def on_publish(_=None) -> None:
        ok, message = actions.publish_site(ledger, site_box.value, settings)
        publish_out.value = _html(escape_html(message), "svl-ok" if ok else "svl-bad")

    publish_button.on_click(on_publish)

    def refresh() -> None:
        refresh_head()
        refresh_queue()

    refresh()
    style = w.HTML("<style>.svl-bad{color:#a02828}.svl-ok{color:#1b5e20}"
                   ".svl-queue td,.svl-queue th,.svl-head td,.svl-head th{border:1px solid #c9d6de;padding:2px 6px}"
                   ".svl-queue,.svl-head{border-collapse:collapse}</style>")
    page = w.VBox([
        style, head,
        w.HTML("<h3>1. Check or submit a return</h3><p>Return forms and donation returns (CSV or xlsx) or a "
               "scenario file. Check shows every problem without storing anything.</p>"),
        upload, w.HBox([org, sector]), w.HBox([period, kind]), w.HBox([check_button, submit_button]), upload_out,
        w.HTML("<h3>2. Verify or reject</h3>"), queue_html, pick, w.HBox([reviewer, level]), reason,
        w.HBox([verify_button, reject_button]), review_out,
        w.HTML("<h3>3. Publish the website</h3>"), site_box, publish_button, publish_out,
    ])
    display(page)
    return page
