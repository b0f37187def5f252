"""The drug class of a systemic therapy for GVHD, from the name the site typed.

Therapies are recorded by name as free text ("Ruxolitinib", "ECP", "ATG (Thymoglobulin)"), so the
rescue-therapy table groups them by the agents the second-line aGVHD guidelines name (Penack O et
al., Lancet Haematol 2020;7:e157-67; Martin PJ et al., Biol Blood Marrow Transplant
2012;18:1150-63). A name is matched by the first known agent it contains; anything else is
"Other".
"""

from __future__ import annotations

import re

__all__ = ["OTHER_CLASS", "therapy_class"]

OTHER_CLASS = "Other"

#: Agent (lower case, as it may appear in a typed name) → class, checked in this order.
_AGENTS: tuple[tuple[str, str], ...] = (
    ("ruxolitinib", "JAK inhibitor"),
    ("itacitinib", "JAK inhibitor"),
    ("baricitinib", "JAK inhibitor"),
    ("basiliximab", "Anti-IL-2 receptor (CD25) antibody"),
    ("daclizumab", "Anti-IL-2 receptor (CD25) antibody"),
    ("inolimomab", "Anti-IL-2 receptor (CD25) antibody"),
    ("anti-cd25", "Anti-IL-2 receptor (CD25) antibody"),
    ("etanercept", "TNF-α inhibitor"),
    ("infliximab", "TNF-α inhibitor"),
    ("adalimumab", "TNF-α inhibitor"),
    ("vedolizumab", "Anti-integrin antibody"),
    ("alemtuzumab", "Anti-CD52 antibody"),
    ("tocilizumab", "Anti-IL-6 receptor antibody"),
    ("thymoglobulin", "Anti-thymocyte globulin"),
    ("atg", "Anti-thymocyte globulin"),
    ("anti-thymocyte", "Anti-thymocyte globulin"),
    ("photopheresis", "Extracorporeal photopheresis"),
    ("ecp", "Extracorporeal photopheresis"),
    ("mesenchymal", "Mesenchymal stromal cells"),
    ("msc", "Mesenchymal stromal cells"),
    ("mycophenolate", "Antimetabolite"),
    ("mmf", "Antimetabolite"),
    ("methotrexate", "Antimetabolite"),
    ("pentostatin", "Antimetabolite"),
    ("sirolimus", "mTOR inhibitor"),
    ("everolimus", "mTOR inhibitor"),
    ("tacrolimus", "Calcineurin inhibitor"),
    ("ciclosporin", "Calcineurin inhibitor"),
    ("cyclosporin", "Calcineurin inhibitor"),
    ("faecal microbiota", "Faecal microbiota transplantation"),
    ("fecal microbiota", "Faecal microbiota transplantation"),
    ("fmt", "Faecal microbiota transplantation"),
    ("methylprednisolone", "Corticosteroid"),
    ("prednisolone", "Corticosteroid"),
    ("prednisone", "Corticosteroid"),
    ("budesonide", "Corticosteroid"),
)


def therapy_class(name: str) -> str:
    """The class of the first known agent in ``name``; "Other" when none is recognised.

    Short abbreviations (ATG, ECP, MMF, MSC, FMT) must stand as a word, so "Catgut" is not ATG.
    """
    text = " ".join(re.split(r"[^a-z0-9α-ω-]+", name.lower())).strip()
    words = set(text.split())
    for agent, group in _AGENTS:
        if len(agent) <= 4 and "-" not in agent:
            if agent in words:
                return group
        elif agent in text:
            return group
    return OTHER_CLASS
