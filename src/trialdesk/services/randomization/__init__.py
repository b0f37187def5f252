"""Randomization: allocation, lists, allocation reports and the analysis data set."""
