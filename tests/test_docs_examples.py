"""Every docs page opens with a runnable Python example, and every example in the docs runs as shown.

The ``>>>`` examples in each ```python block of ``docs/*.md`` are run as doctests (in one namespace per
page, in order); the page's first code block must come before its first ``##`` section and be such an
example, so a reader starts from code that works.
"""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

import segreform

DOCS = Path(__file__).resolve().parents[1] / "docs"
PAGES = sorted(DOCS.glob("*.md"))
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS


def test_there_are_docs_pages():
    assert {p.name for p in PAGES} >= {"measure.md", "evaluate.md", "scale.md", "data.md", "programme.md", "web.md"}


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_page_opens_with_a_runnable_python_example(page: Path):
    text = page.read_text(encoding="utf-8")
    first_section = text.find("\n## ")
    blocks = list(FENCE.finditer(text))
    assert blocks, f"{page.name} has no code block"
    first = blocks[0]
    assert first_section == -1 or first.start() < first_section, f"{page.name}: the first code block comes after a section"
    assert first.group(1) == "python" and ">>>" in first.group(2), f"{page.name}: the first code block is not a Python example"


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_examples_in_page_run_as_shown(page: Path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = page.read_text(encoding="utf-8")
    parser, globs = doctest.DocTestParser(), {}
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    ran = 0
    for match in FENCE.finditer(text):
        if match.group(1) != "python" or ">>>" not in match.group(2):
            continue
        line = text.count("\n", 0, match.start()) + 1
        test = parser.get_doctest(match.group(2), globs, f"{page.name}:{line}", str(page), line)
        runner.run(test, out=_collect(report := []))
        ran += len(test.examples)
        assert runner.failures == 0, "".join(report)
    assert ran > 0


def test_package_docstring_example_runs():
    failures, tried = doctest.testmod(segreform, optionflags=FLAGS)
    assert tried > 0 and failures == 0


def test_the_checker_notices_a_wrong_example():
    wrong = doctest.DocTestParser().get_doctest(">>> 1 + 1\n3\n", {}, "wrong", "wrong.md", 1)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    runner.run(wrong, out=lambda _text: None)
    assert runner.failures == 1


def _collect(lines: list[str]):
    return lines.append
