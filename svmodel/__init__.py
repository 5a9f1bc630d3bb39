"""svmodel: social value (SROI) calculations with sourced financial proxies.

The core (scenario, proxies, engine, results, uncertainty) imports nothing from Jupyter,
widgets, papermill or matplotlib; views build on it.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("svmodel")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+source"

__all__ = ["__version__"]
