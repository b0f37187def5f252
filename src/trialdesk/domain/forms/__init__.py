"""Forms a protocol declares beyond the built-in ones (steroids, infections, chronic GVHD…).

A protocol file lists its forms with their fields, units, ranges, visits and arms
(:mod:`trialdesk.domain.forms.spec`); what the software derives from a saved form (prednisone
equivalents, NIH global severity, risk scores…) is named by the form's ``derive`` key and looked up
in :data:`trialdesk.domain.forms.catalogue.DERIVATIONS`.
"""
