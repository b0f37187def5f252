"""Whole-trial simulation through the real protocol and domain rules."""
