"""Tables for the programme job (filled in by its module's owner)."""
