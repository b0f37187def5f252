"""The trial itself: first run, trial settings, the demonstration trial."""
