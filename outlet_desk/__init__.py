"""Outlet Desk: the counter desk of a social security card service outlet."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("outlet-desk")
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"
