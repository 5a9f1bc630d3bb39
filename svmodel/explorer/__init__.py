"""The scenario explorer: `state` (controls -> validated variant -> results, a plain function, no
widgets), `band` (the Monte Carlo band on the SROI ratio), `export` (the comparison as CSV and
xlsx), `band_view` and `charts` (views with fixed colours) and `widgets` (the ipywidgets page;
imports ipywidgets)."""
