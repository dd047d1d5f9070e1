"""Linked Open Data publisher for municipal smart-city masterplans."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("lodpub")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"
