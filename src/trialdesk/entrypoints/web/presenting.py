"""What pages print instead of raw values: labels, readable numbers and site-local times.

The template environment gets these once, as filters and globals, so a template says
``{{ e.outcome | label('ae_outcome') }}``, ``{{ d.dose_value | quantity(d.dose_unit) }}`` or
``{{ c.due_at | when(subject.site_code) }}`` and every page reads the same way. The rules behind
them live in :mod:`trialdesk.domain.labels` and :mod:`trialdesk.domain.display`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from trialdesk.domain import display, labels
from trialdesk.domain.protocol import Protocol
from trialdesk.services.accounts.site_zones import SiteZones

__all__ = ["install_presentation", "reader_zones"]


def _protocol(context: Context) -> Protocol:
    protocol: Protocol = context["request"].app.state.trialdesk.protocol
    return protocol


def _zones(context: Context) -> SiteZones:
    zones = context.get("zones")
    if isinstance(zones, SiteZones):
        return zones
    return SiteZones(_protocol(context).time_zone, {})


@pass_context
def _when(
    context: Context,
    moment: dt.datetime | str | None,
    site_code: str | None = None,
    seconds: bool = False,
) -> str:
    """A stored UTC moment in the zone of ``site_code``'s site, or the reader's own zone.

    The audit trail keeps its moments as ISO 8601 text; they are read back the same way.
    """
    if moment is None or moment == "":
        return "–"
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    zones = _zones(context)
    if site_code is not None:
        zone = zones.of_site(site_code)
    else:
        zone = context.get("reader_zone") or zones.of_site(None)
    return display.local_moment(moment, zone, seconds=seconds)


@pass_context
def _local_input(context: Context, moment: dt.datetime, site_code: str | None = None) -> str:
    """A moment as a ``datetime-local`` input value (``2026-12-05T08:00``) in the site's zone."""
    zone = _zones(context).of_site(site_code)
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M")


@pass_context
def _zone_of(context: Context, site_code: str | None = None) -> str:
    return _zones(context).of_site(site_code).key


@pass_context
def _protocol_label(context: Context, code: Any, kind: str) -> str:
    return labels.protocol_label(_protocol(context), kind, code)


def _chosen(values: Mapping[str, Any], name: str, code: str) -> bool:
    """Whether a re-displayed form had ``code`` chosen in ``name`` (one value or a list)."""
    sent = values.get(name)
    return code in sent if isinstance(sent, list) else sent == code


def _labels_json(kind: str) -> str:
    """One label table as JSON, for scripts that receive codes from the API."""
    return json.dumps(dict(labels.LABELS[kind]), ensure_ascii=False)


def _label(value: Any, kind: str) -> str:
    return "–" if value is None or value == "" else labels.label(kind, value)


def install_presentation(env: Environment) -> None:
    """Register the filters and globals every template may use."""
    env.filters["label"] = _label
    env.filters["plabel"] = _protocol_label
    env.filters["quantity"] = display.quantity
    env.filters["number"] = display.number
    env.filters["unit"] = display.unit_label
    env.filters["when"] = _when
    env.filters["local_input"] = _local_input
    env.globals["count_of"] = display.count_of
    env.globals["zone_of"] = _zone_of
    env.globals["chosen"] = _chosen
    env.globals["labels_json"] = _labels_json


def reader_zones(zones: SiteZones, site_codes: list[str | None]) -> dict[str, Any]:
    """The template context for times: every site's zone and the reader's own."""
    return {"zones": zones, "reader_zone": zones.of_reader(site_codes)}
