"""Tables for the evaluation job (filled in by its module's owner)."""
