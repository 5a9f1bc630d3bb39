"""The shipped reference data: the proxy library, GDP deflators and outcome frameworks.

Every file is found through `svmodel.resources`, so an installed wheel works from any folder.
"""
