"""Randomization: allocation methods and their settings; the random generator is passed in."""
