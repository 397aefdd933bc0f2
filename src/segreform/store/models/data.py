"""Tables for the data job (filled in by its module's owner)."""
