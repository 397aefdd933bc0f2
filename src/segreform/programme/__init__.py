"""The reform programme: structure, applications, review, selection under a budget, grants and the ledger,
networks and meetings, the ten reforms, accounts and the audit log. No web code lives here.

``participation(engine)`` is the contract with the evaluation job: one row per treated municipality and
development area with the first year it took part.
"""

from segreform.programme.networks import participation

__all__ = ["participation"]
