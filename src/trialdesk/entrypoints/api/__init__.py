"""The FastAPI application: the JSON API under ``/api/v1`` and the server-rendered pages."""

from trialdesk.entrypoints.api.app import WebSettings, create_app

__all__ = ["WebSettings", "create_app"]
