"""Sphinx configuration of svmodel's documentation site (`make docs`).

Sphinx with MyST Markdown and MyST-NB: the pages stay plain Markdown, the tutorials are
notebooks executed at every build, the API reference comes from docstrings (autodoc,
autosummary) and the CLI reference from the argparse parser (`_ext/cli_reference.py`).
Everything builds offline; search is Sphinx's own client-side index.
"""

from __future__ import annotations

import importlib.util
import os
import pkgutil
import shutil
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
# Document and execute the svmodel of this tree, whatever is installed in the environment.
sys.path[:0] = [str(ROOT), str(DOCS / "_ext")]
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
os.environ.setdefault("MPLBACKEND", "Agg")

from svmodel import __version__  # noqa: E402

project = "svmodel"
author = "svmodel contributors"
copyright = "svmodel contributors, MIT licence"
version = release = __version__

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "cli_reference",
]

exclude_patterns = ["_build", "_ext", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints",
                    "tutorials/.*"]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"
templates_path = ["_templates"]

# --- MyST ----------------------------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3  # `page.md#a-heading` links resolve (and are checked) like GitHub's
# Backticks in docstrings (reStructuredText) mean code, as in the Markdown pages.
default_role = "literal"
# docs/reports.md shows the results file with "..." for elided values: JSON in spirit, not
# valid JSON, so Pygments cannot lex it; that is not a fault of the page.
suppress_warnings = ["misc.highlighting_failure"]

# --- Tutorials (MyST-NB) -------------------------------------------------------------------
# "force": every build runs every tutorial, so a tutorial that no longer works breaks the build.
nb_execution_mode = os.environ.get("SVMODEL_DOCS_EXECUTE", "force")
nb_execution_timeout = 600
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_execution_excludepatterns: list[str] = []
LEDGER_AVAILABLE = importlib.util.find_spec("svmodel.ledger") is not None
if not LEDGER_AVAILABLE:
    # The partnership ledger (svmodel.ledger) is not part of this build of svmodel yet: its
    # tutorial is shown without outputs rather than failing the build.
    nb_execution_excludepatterns.append("tutorials/partnership_ledger.ipynb")
nb_merge_streams = True

# --- API reference -------------------------------------------------------------------------
# The stubs are regenerated at every build: a stale stub of a renamed or deleted module would
# otherwise fail the build ("failed to import").
shutil.rmtree(DOCS / "reference" / "generated", ignore_errors=True)
autosummary_generate = True
autosummary_imported_members = False
# Modules that only run inside another tool and cannot be imported on their own: Alembic's
# migration environment (svmodel.ledger.migrations.env runs under `alembic upgrade`).
# One page per package: its plain modules are documented on it, section by section, and only
# sub-packages get pages of their own (about 40 pages instead of 160; Furo draws the whole
# navigation on every page, so the build time grows with the square of the page count).
autosummary_context = {
    "skip_modules": ["svmodel.ledger.migrations.env"],
    "package_names": sorted(
        info.name for info in pkgutil.walk_packages([str(ROOT / "svmodel")], prefix="svmodel.")
        if info.ispkg),
}
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_member_order = "bysource"
autodoc_typehints = "signature"

# Document svmodel's own docstrings, not those of the libraries it subclasses (papermill, ...).
autodoc_inherit_docstrings = False
autoclass_content = "both"

# --- HTML ----------------------------------------------------------------------------------
html_theme = "furo"
html_title = f"svmodel {release}"
html_static_path: list[str] = []
html_show_sourcelink = False
html_theme_options = {"navigation_with_keys": True}
# No web fonts, no analytics, no CDN: the site works from a folder with no network.
html_copy_source = False
