"""Which PySAL `segregation` 2.5 class computes which segreform index (shared by tests and the benchmark)."""

from __future__ import annotations

from segregation import multigroup as pm
from segregation import singlegroup as ps

GROUPS = ["a", "b", "c"]
TWO_GROUP = {
    "dissimilarity": ps.Dissim,
    "gini": ps.Gini,
    "entropy": ps.Entropy,
    "atkinson": ps.Atkinson,
    "isolation": ps.Isolation,
    "exposure": ps.Interaction,
    "correlation_ratio": ps.CorrelationR,
}
MULTI = {
    "multi_dissimilarity": lambda d: pm.MultiDissim(d, GROUPS),
    "multi_gini": lambda d: pm.MultiGini(d, GROUPS),
    "mutual_information": lambda d: pm.MultiDivergence(d, GROUPS),  # M in nats
    "theil_h": lambda d: pm.MultiInfoTheory(d, GROUPS),
    "normalized_exposure": lambda d: pm.MultiNormExposure(d, GROUPS),
    "relative_diversity": lambda d: pm.MultiRelativeDiversity(d, GROUPS),
    "squared_cv": lambda d: pm.MultiSquaredCoefVar(d, GROUPS),
    "diversity": lambda d: pm.MultiDiversity(d, GROUPS),
    "diversity_normalized": lambda d: pm.MultiDiversity(d, GROUPS, normalized=True),
    "simpson_concentration": lambda d: pm.SimpsonsConcentration(d, GROUPS),
    "simpson_interaction": lambda d: pm.SimpsonsInteraction(d, GROUPS),
}
