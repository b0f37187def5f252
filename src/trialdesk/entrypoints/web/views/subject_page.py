"""The subject's entry pages: doses, visits, assessments, AEs, therapies, outcomes, signing.

Each kind of record has its own page (``/subjects/{id}/doses/new`` ...: the records entered so
far and the form), reached from the casebook grid. Each form posts to its service; a refusal
re-renders the entry page with the message next to the field (422) and saves nothing; success
redirects back to the casebook with a "saved" notice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from trialdesk.domain.errors import ConfirmationRequiredError, InputError
from trialdesk.domain.gvhd.attribution import CAUSE_LABELS, AlternativeCause, Biopsy
from trialdesk.domain.protocol import VisitPhase
from trialdesk.domain.safety.adverse_event import AeOutcome
from trialdesk.domain.safety.seriousness import Causality, SeriousnessCriterion
from trialdesk.domain.safety.terminology import code_adverse_event_term, ctcae_terminology
from trialdesk.entrypoints.api.deps import CheckedForm, ContextDep, Principal, WebUser
from trialdesk.entrypoints.api.routes.clinical import sign_as
from trialdesk.entrypoints.web.rendering import render
from trialdesk.entrypoints.web.views.edit_check_forms import confirmation, warnings_by_field
from trialdesk.entrypoints.web.views.form_values import (
    FormValues,
    errors_by_field,
    kept_values,
    submit_form,
)
from trialdesk.entrypoints.web.views.protocol_forms import subject_forms
from trialdesk.entrypoints.web.views.site_day import site_today
from trialdesk.services.accounts import site_zones
from trialdesk.services.clinical import clinical
from trialdesk.services.clinical.clinical import OutcomeKind, TherapyKind
from trialdesk.services.subjects import subject_view

__all__ = ["SECTIONS", "router"]

router = APIRouter(prefix="/subjects")


def _signable(page: subject_view.SubjectPage) -> list[tuple[str, int, str]]:
    rows = [("gvhd_assessments", a.id, f"assessment {a.assessed_on}") for a in page.assessments]
    rows += [("adverse_events", e.id, f"AE {e.term} ({e.onset_on})") for e in page.adverse_events]
    rows += [
        ("outcomes", o["id"], f"outcome {o['kind']} ({o['occurred_on']})") for o in page.outcomes
    ]
    return rows


#: Entry pages by section: the page's title and the notice the casebook shows after a save.
SECTIONS = {
    "dose": "Dose", "visit": "Visit", "assessment": "GVHD assessment",
    "adverse-event": "Adverse event", "therapy": "Therapy", "outcome": "Outcome",
    "signature": "Signature", "forms": "Protocol forms",
}  # fmt: skip


def _subject_page(
    request: Request,
    context: ContextDep,
    principal: Principal,
    subject_id: int,
    section: str,
    **extra: Any,
) -> Response:
    page = subject_view.load_subject_page(
        context.store.new_read_uow(), as_user=principal.user_id, subject_id=subject_id,
        protocol=context.protocol,
    )  # fmt: skip
    now = page.now.astimezone(dt.UTC)
    baseline = next((a.stages for a in page.assessments if a.id == page.baseline_id), {})
    # Suggested only when its window is open today (the form's default date): a suggestion for
    # another day would be saved as the user's choice.
    next_visit = next(
        (i.code for i in page.timeline if i.kind == "visit" and i.window.value == "due"
         and i.course is not None and "gvhd" in i.detail),
        "",
    )  # fmt: skip
    return render(
        request, "subjects/entry.html",
        {"page": page, "protocol": context.protocol, "section": section,
         "title": SECTIONS[section],
         "today": site_today(context, subject_id, page.now),
         "now": now.strftime("%Y-%m-%dT%H:%M+00:00"), "baseline": baseline,
         "next_visit": extra.pop("next_visit", None) or next_visit,
         "signable": _signable(page), "values": {}, "errors": {},
         "form": "", "outcome_kinds": list(OutcomeKind), "therapy_kinds": list(TherapyKind),
         "ae_outcomes": list(AeOutcome), "criteria": list(SeriousnessCriterion),
         "causalities": list(Causality), "course_visits": _course_visits(context),
         "ae_products": _products(context), "warnings": {},
         "ctcae_socs": ctcae_terminology().socs if section == "adverse-event" else (),
         "attribution_biopsies": _BIOPSIES, "attribution_causes": _CAUSES,
         **(subject_forms(context, principal, subject_id) if section == "forms" else {}),
         **extra},
        principal=principal,
        status_code=422 if extra.get("errors") else 409 if extra.get("warnings") else 200,
    )  # fmt: skip


def _products(context: ContextDep) -> list[str]:
    """Every study product once, in protocol order (both arms may give the same antibody)."""
    codes = [i.code for arm in context.protocol.arms for i in arm.interventions]
    return list(dict.fromkeys(codes))


def _course_visits(context: ContextDep) -> list[str]:
    return [v.code for v in context.protocol.visits_in(VisitPhase.COURSE)]


def _visit_param(request: Request) -> str:
    """The visit the grid's link was for (``?visit=D8``), when it names a protocol visit."""
    return str(request.query_params.get("visit", ""))[:32]


def _entry(section: str, path: str) -> None:
    def entry_page(
        request: Request, context: ContextDep, principal: WebUser, subject_id: int
    ) -> Response:
        visit = _visit_param(request)
        extra: dict[str, Any] = {}
        if visit and section == "visit":
            extra["values"] = {"visit_code": visit}
            extra["form"] = "visit"
        elif visit and section == "assessment":
            extra["next_visit"] = visit
        return _subject_page(request, context, principal, subject_id, section, **extra)

    entry_page.__name__ = f"entry_page_{section.replace('-', '_')}"
    router.get(f"/{{subject_id}}/{path}")(entry_page)


for _section, _path in (
    ("dose", "doses/new"), ("visit", "visits/new"), ("assessment", "assessments/new"),
    ("adverse-event", "adverse-events/new"), ("therapy", "therapies/new"),
    ("outcome", "outcomes/new"), ("signature", "signatures/new"), ("forms", "forms"),
):  # fmt: skip
    _entry(_section, _path)


def _submit(
    request: Request,
    context: ContextDep,
    principal: Principal,
    subject_id: int,
    form_name: str,
    values: FormValues,
    action: Callable[[], object],
    prefix: str = "",
) -> Response:
    def checked_action() -> object:
        values.check()
        return action()

    def redisplay(error: InputError) -> Response:
        typed = kept_values(values.form)
        return _subject_page(
            request, context, principal, subject_id, form_name,
            errors=errors_by_field(error, prefix), form=form_name, values=typed,
        )  # fmt: skip

    try:
        return submit_form(
            checked_action,
            redisplay=redisplay,
            done=f"/subjects/{subject_id}?saved={form_name}#casebook",
        )
    except ConfirmationRequiredError as warning:  # nothing saved: ask, keeping every value
        typed = {k: v for k, v in values.form.items() if k not in {"csrf_token", "password"}}
        return _subject_page(
            request, context, principal, subject_id, form_name, form=form_name, values=typed,
            warnings=warnings_by_field(warning, prefix),
        )  # fmt: skip


@router.post("/{subject_id}/doses")
def record_dose(
    request: Request, context: ContextDep, principal: WebUser, form: CheckedForm, subject_id: int
) -> Response:
    v = FormValues(form)
    product, unit = v.required("product"), v.required("dose_unit")
    on, weight, amount = (
        v.date("administered_on"),
        v.required_number("weight_kg"),
        v.required_number("dose_value"),
    )
    return _submit(request, context, principal, subject_id, "dose", v, lambda: clinical.record_dose(
        context.store.new_uow(), as_user=principal.user_id, subject_id=subject_id, product=product,
        administered_on=on, weight_kg=weight, dose_value=amount, dose_unit=unit,
        protocol=context.protocol, **confirmation(form),
    ))  # fmt: skip


@router.post("/{subject_id}/visits")
def record_visit(
    request: Request, context: ContextDep, principal: WebUser, form: CheckedForm, subject_id: int
) -> Response:
    v = FormValues(form)
    code, on = v.required("visit_code"), v.date("visit_date")
    return _submit(
        request, context, principal, subject_id, "visit", v,
        lambda: clinical.record_visit(
            context.store.new_uow(), as_user=principal.user_id, subject_id=subject_id,
            visit_code=code, visit_date=on, protocol=context.protocol, **confirmation(form),
        ),
    )  # fmt: skip


_BIOPSIES = [
    (Biopsy.NOT_DONE.value, "Not done"),
    (Biopsy.CONSISTENT_WITH_GVHD.value, "Done: consistent with GVHD"),
    (Biopsy.NOT_GVHD.value, "Done: not GVHD"),
    (Biopsy.PENDING.value, "Pending"),
]
_CAUSES = [(cause.value, CAUSE_LABELS[cause]) for cause in AlternativeCause]
_ORGANS = ("skin", "liver", "upper_gi", "lower_gi")


def _additional_therapy(v: FormValues) -> bool | None:
    """The yes/no radio: no answer stays None (never a default); the service says if required."""
    answer = v.text("additional_therapy")
    return {"yes": True, "no": False}.get(answer)


def _attribution(form: Any) -> dict[str, Any] | None:
    """The optional attribution block: organs with a biopsy, a cause or the attribution ticked."""
    block: dict[str, Any] = {}
    for organ in _ORGANS:
        biopsy = str(form.get(f"attr_{organ}_biopsy") or Biopsy.NOT_DONE.value)
        causes = [str(c) for c in form.getlist(f"attr_{organ}_causes")]
        attributed = form.get(f"attr_{organ}_attributed") is not None
        if biopsy != Biopsy.NOT_DONE.value or causes or attributed:
            block[organ] = {
                "biopsy": biopsy,
                "causes": causes,
                "attributed_to_other_cause": attributed,
            }
    return block or None


_MEASURED = ("skin_bsa_pct", "desquamation_bsa_pct", "bilirubin", "stool_ml_per_day",
             "stool_episodes_per_day")  # fmt: skip
_SIGNS = ("bullae", "upper_gi_persistent", "severe_abdominal_pain", "bloody_stool")


@router.post("/{subject_id}/assessments")
def record_assessment(
    request: Request, context: ContextDep, principal: WebUser, form: CheckedForm, subject_id: int
) -> Response:
    v = FormValues(form)
    on = v.date("assessed_on")
    measurements: dict[str, Any] = {name: v.flag(name) for name in _SIGNS}
    for name in _MEASURED:
        measurements[name] = v.number(name)
    # Skin and bilirubin stage every assessment, so they are entered, never assumed; a bilirubin
    # without its unit is ambiguous (mg/dL vs µmol/L differ 17-fold). Desquamation only counts
    # with bullae: asked for then, taken as none otherwise. Stool counts may be unmeasured.
    required = (
        "skin_bsa_pct",
        "bilirubin",
        *(("desquamation_bsa_pct",) if v.flag("bullae") else ()),
    )
    for name in required:
        if measurements[name] is None:
            measurements[name] = v.required_number(name)
    measurements["desquamation_bsa_pct"] = measurements["desquamation_bsa_pct"] or 0.0
    measurements["bilirubin_unit"] = v.required("bilirubin_unit")
    return _submit(
        request, context, principal, subject_id, "assessment", v,
        lambda: clinical.record_gvhd_assessment(
            context.store.new_uow(), as_user=principal.user_id, subject_id=subject_id,
            assessed_on=on, measurements=measurements, protocol=context.protocol,
            visit_code=v.optional_text("visit"),
            additional_therapy=_additional_therapy(v),
            additional_therapy_names=v.optional_text("additional_therapy_names"),
            attribution=_attribution(form),
            **confirmation(form),
        ),
        prefix="measurements.",
    )  # fmt: skip


def _coded_term(
    term: str, code: float | None, other_term: str | None, soc: str | None
) -> dict[str, Any]:
    """The AE form's term choice for the service; the page never saves an uncoded term.

    The list's term sets ``meddra_code`` (the page's script); without the script a typed CTCAE
    name is coded on the server. "Other, specify" sends the text and the SOC picked.
    """
    if code is not None:
        meddra = int(code) if code.is_integer() else 0
        coded = code_adverse_event_term(meddra_code=meddra, other_term=other_term, soc=soc)
    elif other_term or soc:
        coded = code_adverse_event_term(other_term=other_term, soc=soc)
    else:
        coded = code_adverse_event_term(term=term)
    if not coded.coded:
        raise InputError.single(
            "term", f"{term!r} is not a CTCAE v5.0 term: pick one from the list, or describe the "
            "event under 'Other, specify' with its system organ class",
        )  # fmt: skip
    return {"meddra_code": coded.meddra_code, "other_term": other_term if other_term else None,
            "soc": soc, "term": term or None}  # fmt: skip


@router.post("/{subject_id}/adverse-events")
def report_adverse_event(
    request: Request, context: ContextDep, principal: WebUser, form: CheckedForm, subject_id: int
) -> Response:
    v = FormValues(form)
    zone = site_zones.subject_time_zone(
        context.store.new_read_uow(), subject_id=subject_id, default=context.protocol.time_zone
    )
    onset, aware = v.date("onset_on"), v.local_moment("aware_at", zone)
    grade, outcome = v.required_number("ctcae_grade"), v.required("outcome")
    code = v.number("meddra_code")
    criteria = frozenset(str(c) for c in form.getlist("seriousness"))
    product, causality = v.text("product"), v.text("causality")
    products = {product: (causality, v.flag("expected"))} if product and causality else {}
    return _submit(
        request, context, principal, subject_id, "adverse-event", v,
        lambda: clinical.report_adverse_event(
            context.store.new_uow(), as_user=principal.user_id, subject_id=subject_id,
            **_coded_term(
                v.text("term"), code, v.optional_text("other_term"), v.optional_text("soc")
            ),
            ctcae_grade=int(grade), onset_on=onset, aware_at=aware,
            outcome=outcome, seriousness=criteria, products=products,
            protocol=context.protocol, **confirmation(form),
        ),
    )  # fmt: skip


@router.post("/{subject_id}/therapies")
def record_therapy(
    request: Request, context: ContextDep, principal: WebUser, form: CheckedForm, subject_id: int
) -> Response:
    v = FormValues(form)
    name, started, stopped = v.required("name"), v.date("started_on"), v.optional_date("stopped_on")
    kind = v.required("kind")
    return _submit(
        request, context, principal, subject_id, "therapy", v,
        lambda: clinical.record_therapy(
            context.store.new_uow(), as_user=principal.user_id, subject_id=subject_id,
            kind=kind, name=name, started_on=started, stopped_on=stopped,
            indication=v.optional_text("indication"), protocol=context.protocol,
            **confirmation(form),
        ),
    )  # fmt: skip


@router.post("/{subject_id}/outcomes")
def record_outcome(
    request: Request, context: ContextDep, principal: WebUser, form: CheckedForm, subject_id: int
) -> Response:
    v = FormValues(form)
    kind, on = v.required("kind"), v.date("occurred_on")
    return _submit(
        request, context, principal, subject_id, "outcome", v,
        lambda: clinical.record_outcome(
            context.store.new_uow(), as_user=principal.user_id, subject_id=subject_id,
            kind=kind, occurred_on=on, cause=v.optional_text("cause"),
            details=v.optional_text("details"), protocol=context.protocol,
            **confirmation(form),
        ),
    )  # fmt: skip


@router.post("/{subject_id}/signatures")
def sign(
    request: Request, context: ContextDep, principal: WebUser, form: CheckedForm, subject_id: int
) -> Response:
    v = FormValues(form)
    entity, _, raw_id = v.required("record").partition(":")
    meaning = v.required("meaning")
    password = form.get("password", "")

    def act() -> None:
        page = subject_view.load_subject_page(
            context.store.new_uow(), as_user=principal.user_id, subject_id=subject_id,
            protocol=context.protocol,
        )  # fmt: skip
        if (entity, raw_id) not in {(e, str(i)) for e, i, _ in _signable(page)}:
            raise InputError.single("record", "choose a record of this subject")
        sign_as(context, principal.user_id, entity, int(raw_id),
                password if isinstance(password, str) else "", meaning)  # fmt: skip

    return _submit(request, context, principal, subject_id, "signature", v, act)
