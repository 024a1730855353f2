"""Revenant: watch for seized criminal platforms coming back, and prove it."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("revenant")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0"
