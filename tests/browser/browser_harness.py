"""What browser tests hold: the live server, a visitor at a browser, and who to log in as."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Page, Response

from trial_world import PASSWORD, SITE_SCOPED, TrialWorld
from trialdesk.domain.access import Role

__all__ = ["LiveServer", "TravelClock", "Visitor", "slug", "username_of"]


def username_of(role: Role, site: str | None = None) -> str:
    """The account ``build_world`` made for ``role`` (at ``site`` for site-scoped roles)."""
    scope = site if role in SITE_SCOPED else None
    return f"{role.value.replace('_', '')}{(scope or 'all').lower()}"


class TravelClock:
    """The real clock, shifted by an offset a test may set.

    A story dated in the past (randomized weeks ago, then dosed and assessed) needs the server
    to live through its days: records after randomization may not be dated before it. Time
    still runs, so sessions age as in a real browser; moving the offset forward by more than the
    idle limit ends the session (log in again).
    """

    def __init__(self) -> None:
        self.offset = dt.timedelta()

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.offset

    def travel_to(self, moment: dt.datetime) -> None:
        self.offset = moment - dt.datetime.now(dt.UTC)

    def back_to_now(self) -> None:
        self.offset = dt.timedelta()


@dataclass
class LiveServer:
    """The app served on ``base_url`` over the database of ``world``, on ``clock``."""

    base_url: str
    world: TrialWorld
    clock: TravelClock

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

    def screenshot(self, name: str, of: str | None = None) -> Path:
        """The whole page, or only the element ``of`` (a selector) on a long page."""
        target = self.screenshots / f"{slug(name)}.png"
        if of is None:
            self.page.screenshot(path=str(target), full_page=True)
        else:
            self.page.locator(of).first.screenshot(path=str(target))
        self.taken.append(target)
        return target
