"""The CTCAE v5.0 terms the AE form and API clients pick from."""

from __future__ import annotations

from pydantic import BaseModel, Field

__all__ = ["CtcaeSearchRead", "CtcaeTermRead"]


class CtcaeTermRead(BaseModel):
    term: str = Field(examples=["Sepsis"])
    meddra_code: int = Field(examples=[10040047], description="MedDRA v20.1 lowest-level code")
    soc: str = Field(examples=["Infections and infestations"], description="System organ class")
    other_specify: bool = Field(
        description="The SOC's 'Other, specify' term: send other_term (the event in words) too"
    )


class CtcaeSearchRead(BaseModel):
    terminology: str = Field("CTCAE v5.0 (NCI), MedDRA v20.1 codes")
    query: str
    terms: list[CtcaeTermRead]
