"""``python -m trialdesk.entrypoints.cli``: the ``trialdesk`` command without the console script."""

from trialdesk.entrypoints.cli.app import main

main()
