"""Conversion of a checked protocol document into the frozen domain objects."""

from __future__ import annotations

import dataclasses
from typing import Any

from trialdesk.adapters.protocol_file.forms import settings_mapping, to_form_specs
from trialdesk.adapters.protocol_file.schema import (
    ArmModel,
    CriterionModel,
    EditCheckModel,
    FactorModel,
    ProtocolDocument,
    RandomizationModel,
    SteroidRefractoryModel,
)
from trialdesk.domain.gvhd.types import GradingSystem, LiverStaging, Response, ResponseRuleSet
from trialdesk.domain.protocol import (
    Amendment,
    AnalysisPlan,
    AnalysisPopulation,
    Arm,
    ArmType,
    AssessmentRules,
    Assumption,
    Attestation,
    Attester,
    CheckTarget,
    Comparison,
    CourseRules,
    Criterion,
    CriterionKind,
    Design,
    DoseBasis,
    EditCheck,
    Endpoint,
    EndpointKind,
    FieldType,
    Identification,
    Intervention,
    Population,
    Protocol,
    ProtocolVersion,
    Rule,
    RuleKind,
    SafetyReporting,
    ScreeningField,
    SensitivityAnalysis,
    Severity,
    Sex,
    StopRule,
    Visit,
    VisitPhase,
    WeightLimits,
)
from trialdesk.domain.randomization.spec import (
    ImbalanceMeasure,
    MinimizationFactor,
    MinimizationSpec,
    RandomizationMethod,
    RandomizationSpec,
    StratificationFactor,
    StratumLevel,
)
from trialdesk.domain.refractory_definitions import (
    DrugConvention,
    RefractoryDefinition,
    refractory_definition,
)
from trialdesk.domain.source_verification import SdvPlan

__all__ = ["to_protocol"]


def to_protocol(doc: ProtocolDocument) -> Protocol:
    """The domain protocol for a document that passed the schema and ``check_document``."""
    course = doc.course
    return Protocol(
        version=ProtocolVersion(
            version=doc.version,
            effective_date=doc.effective_date,
            amendments=tuple(
                Amendment(a.version, a.effective_date, a.note) for a in doc.amendments
            ),
        ),
        identification=Identification(
            **doc.identification.model_dump(exclude={"conditions"}),
            conditions=tuple(doc.identification.conditions),
        ),
        design=Design(**doc.design.model_dump()),
        population=Population(
            **doc.population.model_dump(exclude={"sex"}), sex=Sex(doc.population.sex)
        ),
        arms=tuple(_arm(a) for a in doc.arms),
        course=CourseRules(
            length_days=course.length_days,
            max_courses=course.max_courses,
            decision_visit=course.decision_visit,
            repeat_on=tuple(Response(r) for r in course.repeat_on),
            stop_rules=tuple(
                StopRule(
                    code=r.code,
                    responses=tuple(Response(x) for x in r.responses),
                    visits=tuple(r.visits),
                    reason=r.reason,
                )
                for r in course.stop_rules
            ),
        ),
        weight_limits=WeightLimits(doc.dosing.weight_kg_min, doc.dosing.weight_kg_max),
        screening_fields=tuple(
            ScreeningField(f.name, f.label, FieldType(f.type), f.unit, f.min, f.max)
            for f in doc.screening_fields
        ),
        criteria=tuple(_criterion(c) for c in doc.criteria),
        randomization=_randomization(doc.randomization),
        visits=tuple(
            Visit(
                code=v.code,
                label=v.label,
                phase=VisitPhase(v.phase),
                day=v.day,
                window_before=v.window_before,
                window_after=v.window_after,
                assessments=tuple(v.assessments),
            )
            for v in doc.visits
        ),
        endpoints=tuple(
            Endpoint(e.code, EndpointKind(e.kind), e.label, e.time_frame, e.day, e.visit)
            for e in doc.endpoints
        ),
        assessment=AssessmentRules(
            grading_system=GradingSystem(doc.assessment.grading_system),
            response_rules=ResponseRuleSet(doc.assessment.response_rules),
            baseline_visit=_baseline_visit(doc),
            liver_staging=LiverStaging(doc.assessment.liver_staging),
            steroid_refractory=_steroid_refractory(doc.assessment.steroid_refractory),
        ),
        analysis=AnalysisPlan(
            **doc.analysis.model_dump(exclude={"populations", "sensitivity"}),
            populations=tuple(
                AnalysisPopulation(p.code, p.label, p.definition) for p in doc.analysis.populations
            ),
            sensitivity=tuple(SensitivityAnalysis(s) for s in doc.analysis.sensitivity),
        ),
        safety=SafetyReporting(
            **doc.safety.model_dump(exclude={"compare_arms", "product_specific_terms"}),
            compare_arms=tuple(doc.safety.compare_arms),
            product_specific_terms=tuple(
                (code, tuple(terms)) for code, terms in doc.safety.product_specific_terms.items()
            ),
        ),
        assumptions=tuple(Assumption(a.path, a.choice, a.reason) for a in doc.assumptions),
        time_zone=doc.time_zone,
        edit_checks=tuple(_edit_check(c) for c in doc.edit_checks),
        forms=to_form_specs(doc.forms),
        form_settings=settings_mapping(doc.form_settings),
        sdv=_sdv_plan(doc),
    )


def _sdv_plan(doc: ProtocolDocument) -> SdvPlan:
    """The SDV plan; the trial's NCT id seeds the subject sample so each trial draws its own."""
    sample = doc.sdv.sample
    return SdvPlan(
        trial=doc.identification.nct_id,
        full=tuple(doc.sdv.full),
        sample_fraction=0.0 if sample is None else sample.fraction,
        sample_unit="subject" if sample is None else sample.unit,
        sample_per="site" if sample is None else sample.per,
    )


def _edit_check(check: EditCheckModel) -> EditCheck:
    return EditCheck(
        code=check.code,
        severity=Severity(check.severity),
        rule=RuleKind(check.rule),
        applies_to=tuple(
            CheckTarget(t.collection, t.field, tuple(t.keys)) for t in check.applies_to
        ),
        message=check.message,
        factor=check.factor,
        tolerance=check.tolerance,
        unit_field=check.unit_field,
        unit=check.unit,
        min=check.min,
        max=check.max,
        seconds=check.seconds,
    )


def _arm(arm: ArmModel) -> Arm:
    return Arm(
        code=arm.code,
        label=arm.label,
        type=ArmType(arm.type),
        description=arm.description,
        interventions=tuple(
            Intervention(
                code=iv.code,
                name=iv.name,
                dose=iv.dose,
                dose_basis=DoseBasis(iv.dose_basis),
                unit=iv.unit,
                route=iv.route,
                days=tuple(iv.days),
                window_days=iv.window_days,
                min_gap_days=iv.min_gap_days,
            )
            for iv in arm.interventions
        ),
    )


def _criterion(criterion: CriterionModel) -> Criterion:
    rule = criterion.rule
    attestation = criterion.attestation
    return Criterion(
        id=criterion.id,
        kind=CriterionKind(criterion.kind),
        text=criterion.text,
        rule=None
        if rule is None
        else Rule(rule.field, Comparison(rule.op), rule.value, rule.low, rule.high),
        attestation=None
        if attestation is None
        else Attestation(attestation.field, attestation.statement),
        attested_by=Attester(criterion.attested_by),
    )


def _factor(factor: FactorModel) -> StratificationFactor:
    return StratificationFactor(
        code=factor.code,
        label=factor.label,
        source_field=factor.source_field,
        levels=tuple(StratumLevel(lv.code, lv.label, tuple(lv.values)) for lv in factor.levels),
    )


def _randomization(rand: RandomizationModel) -> RandomizationSpec:
    factors = {f.code: _factor(f) for f in rand.factors}
    minimization = None
    if rand.minimization is not None:
        minimization = MinimizationSpec(
            factors=tuple(
                MinimizationFactor(factors[w.factor], w.weight) for w in rand.minimization.factors
            ),
            imbalance=ImbalanceMeasure(rand.minimization.imbalance),
            p_preferred=rand.minimization.p_preferred,
        )
    return RandomizationSpec(
        method=RandomizationMethod(rand.method),
        ratio=tuple(rand.ratio.items()),
        block_sizes=tuple(rand.block_sizes),
        strata=tuple(factors[code] for code in rand.strata),
        minimization=minimization,
    )


def _steroid_refractory(setting: SteroidRefractoryModel) -> RefractoryDefinition:
    """The named published set, or the protocol's block laid over the set it is based on."""
    base = refractory_definition(setting.based_on)
    changes: dict[str, Any] = {
        name: getattr(setting, name) for name in setting.model_fields_set - {"name", "based_on"}
    }
    if not changes and setting.name == base.name:
        return base
    if "drug_convention" in changes:
        changes["drug_convention"] = DrugConvention(changes["drug_convention"])
    return dataclasses.replace(base, name=setting.name, **changes)


def _baseline_visit(doc: ProtocolDocument) -> str:
    """The named baseline visit, else the first course visit that stages GVHD (D1)."""
    if doc.assessment.baseline_visit is not None:
        return doc.assessment.baseline_visit
    staging = sorted(
        (v.day, v.code)
        for v in doc.visits
        if v.phase == "course" and "gvhd_staging" in v.assessments
    )
    return staging[0][1] if staging else "D1"
