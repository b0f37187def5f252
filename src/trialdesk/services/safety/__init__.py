"""Safety: adverse events and their follow-up."""
