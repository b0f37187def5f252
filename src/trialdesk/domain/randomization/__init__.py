"""Randomization: allocation methods and their settings (the random generator is always passed in)."""
