"""Setting defaults that the command line shows in its help.

They live apart from :mod:`trialdesk.config` because reading the settings loads pydantic-settings,
which ``trialdesk --help`` should not wait for.
"""

from __future__ import annotations

__all__ = ["DEFAULT_REQUEST_THREADS"]

#: Worker threads per server process for everyday requests (why so few: ``api.lanes``).
DEFAULT_REQUEST_THREADS = 2
