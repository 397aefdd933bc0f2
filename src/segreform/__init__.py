"""segreform: run a national reform programme against residential segregation.

Five jobs over one data flow: measure -> select -> network -> fund -> evaluate.
"""

__version__ = "0.1.0"
