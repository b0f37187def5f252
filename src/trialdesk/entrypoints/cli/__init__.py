"""The ``trialdesk`` command line."""
