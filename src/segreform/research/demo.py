"""Demo evaluations: three plans of the INVENTED demo participation, evaluated on the REAL bundled series.

The demo programme (``segreform.programme.demo``) grants invented 2018 starts to real municipalities; these
plans estimate what that invented participation "did" to real outcomes (year-9 merit value, Riksdag turnout,
disposable income). The estimates are exercises on real data, not findings: every title says "[DEMO]".
Registering and running all three takes about a minute on one core, so ``segreform serve`` runs them in the
background after it starts (:func:`start_in_background`).
"""

from __future__ import annotations

import threading

from sqlalchemy import Engine, select

from segreform.store.db import session
from segreform.store.models.evaluation import EvaluationPlan

DEMO_LABEL = "[DEMO]"
REGISTERED_BY = "demo-loader"
# development area, outcome, estimator, comparison, title
PLANS = [
    ("school", "meritvarde_ak9", "did", "never_eligible",
     "[DEMO] Year-9 merit value in the school area (Callaway–Sant'Anna; invented participation, real data)"),
    ("democracy", "valdeltagande_riksdag", "sdid", "never_eligible",
     "[DEMO] Riksdag turnout in the democracy area (synthetic DiD; invented participation, real data)"),
    ("crime", "median_disponibel_hushallsinkomst", "synth", "never_eligible",
     "[DEMO] Disposable income in Landskrona (synthetic control; invented participation, real data)"),
]


def demo_plan_ids(engine: Engine) -> list[int]:
    with session(engine) as db:
        return list(db.scalars(select(EvaluationPlan.id).where(EvaluationPlan.title.startswith(DEMO_LABEL))
                               .order_by(EvaluationPlan.id)))


def load_research_demo(engine: Engine) -> list[int]:
    """Register and run the demo plans once (nothing when they exist); returns the run ids."""
    from segreform.research.plans import register_plan  # in the background thread: numba loads in seconds
    from segreform.research.runs import run_plan  # in the background thread, as above

    if demo_plan_ids(engine):
        return []
    runs = []
    for area, outcome, estimator, comparison, title in PLANS:
        plan_id = register_plan(engine, development_area=area, outcome_variable=outcome, estimator=estimator,
                                comparison=comparison, title=title, registered_by=REGISTERED_BY)
        runs.append(run_plan(engine, plan_id, trigger="scheduled"))
    return runs


def start_in_background(engine: Engine) -> threading.Thread:
    """Run :func:`load_research_demo` in a daemon thread (the server answers meanwhile)."""
    def work():
        try:
            load_research_demo(engine)
        except Exception as exc:  # the demo is optional; the server keeps running and says why
            print(f"demo evaluations not computed: {exc}", flush=True)

    thread = threading.Thread(target=work, name="segreform-research-demo", daemon=True)
    thread.start()
    return thread
