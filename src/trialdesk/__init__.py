"""trialdesk: run a randomized clinical trial end to end from an executable protocol."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("trialdesk")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
