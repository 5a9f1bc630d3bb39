"""Views of results for notebooks, HTML reports and the explorer: charts and tables.

Depends on the core (svmodel.results); the core never imports this package.
"""
