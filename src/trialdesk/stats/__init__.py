"""Estimators, hypothesis tests, analysis datasets and reports."""
