"""What browser tests hold: the live server, a visitor at a browser, and who to log in as."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Page, Response

from trial_world import PASSWORD, SITE_SCOPED, TrialWorld
from trialdesk.domain.access import Role

__all__ = ["LiveServer", "Visitor", "slug", "username_of"]


def username_of(role: Role, site: str | None = None) -> str:
    """The account ``build_world`` made for ``role`` (at ``site`` for site-scoped roles)."""
    scope = site if role in SITE_SCOPED else None
    return f"{role.value.replace('_', '')}{(scope or 'all').lower()}"


@dataclass
class LiveServer:
    """The app served on ``base_url`` over the database of ``world``."""

    base_url: str
    world: TrialWorld

    def url(self, path: str) -> str:
        return self.base_url + path


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")


@dataclass
class Visitor:
    """One person at one browser: logs in, visits pages, keeps a screenshot of each."""

    live: LiveServer
    page: Page
    screenshots: Path
    taken: list[Path] = field(default_factory=list)

    def visit(self, path: str) -> Response | None:
        return self.page.goto(self.live.url(path))

    def login(self, username: str, password: str = PASSWORD) -> None:
        self.visit("/login")
        self.page.fill("#username", username)
        self.page.fill("#password", password)
        with self.page.expect_navigation():
            self.page.click("button[type=submit]")
        if self.page.url.rstrip("/") != self.live.base_url:
            raise AssertionError(f"login as {username} ended at {self.page.url}")

    def screenshot(self, name: str) -> Path:
        target = self.screenshots / f"{slug(name)}.png"
        self.page.screenshot(path=str(target), full_page=True)
        self.taken.append(target)
        return target
