"""The scenario explorer: `state` (controls -> results, a plain function, no widgets) and
`widgets` (the ipywidgets page; imports ipywidgets)."""
