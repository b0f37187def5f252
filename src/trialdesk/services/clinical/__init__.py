"""Clinical data: doses, visits, GVHD assessments, therapies, outcomes, corrections, checks."""
