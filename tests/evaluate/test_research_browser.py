"""A researcher registers an evaluation plan in a real browser, sees its MDE before freezing, runs it and sees the
plot (Debian's chromium via Playwright; screenshots in test-artifacts/)."""

import pytest

from segreform.programme import accounts
from segreform.programme.demo import load_demo
from segreform.research.plans import attach_researcher
from segreform.store import make_engine, transaction, upgrade

pytestmark = pytest.mark.browser
PASSWORD = "a-long-browser-password"


@pytest.fixture(scope="module")
def research_server(tmp_path_factory, app_server):
    from segreform.data.loader import ensure_initialised

    url = f"sqlite:///{tmp_path_factory.mktemp('research') / 'research.sqlite'}"
    upgrade(url)
    engine = make_engine(url)
    ensure_initialised(engine)
    load_demo(engine)
    with transaction(engine) as db:
        user = accounts.create_user(db, email="forskare@test.se", name="Forskare", role="researcher",
                                    password=PASSWORD, actor="test")
        user_id = user.id
    attach_researcher(engine, user_id, "school")
    with app_server(engine) as served:
        yield served
    engine.dispose()


def test_researcher_registers_sees_mde_runs_and_sees_the_plot(chromium_browser, research_server, artifacts_dir):
    page = chromium_browser.new_page()
    try:
        page.goto(f"{research_server}/programme/login?lang=en")
        page.fill("input[name=email]", "forskare@test.se")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        page.goto(f"{research_server}/research?lang=en")
        page.click("#new-plan")
        page.select_option("select[name=development_area]", "school")
        page.select_option("select[name=outcome_variable]", "meritvarde_ak9")
        page.select_option("select[name=estimator]", "did")
        page.select_option("select[name=comparison]", "never_eligible")
        page.fill("input[name=title]", "Merit value in the school area")
        page.click("#preview")
        page.wait_for_selector("#mde")
        mde_text = page.inner_text("#mde")
        assert "Minimum detectable effect" in mde_text, mde_text
        page.screenshot(path=str(artifacts_dir / "research-mde-before-freezing.png"), full_page=True)
        page.click("#freeze")
        page.wait_for_url("**/research/plans/*")
        assert "Minimum detectable effect at registration" in page.inner_text("#plan-mde")
        page.click("#run-now")
        page.wait_for_selector("tr.run-ok")
        page.wait_for_selector("#fig-event_study_figure .main-svg", timeout=20000)
        page.wait_for_selector("#fig-placebo-distribution .main-svg", timeout=20000)
        page.screenshot(path=str(artifacts_dir / "research-run-with-plot.png"), full_page=True)
    finally:
        page.close()
