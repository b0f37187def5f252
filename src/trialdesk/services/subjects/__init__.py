"""Subjects: registration, eligibility, the schedule of visits and forms, the casebook."""
