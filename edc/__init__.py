"""EDC: electronic data capture for early-phase cell-therapy trials."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("edc")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"
