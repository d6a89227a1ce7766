"""Every page against WCAG 2.1 A and AA, with axe-core, the engine of the browsers' own
accessibility audits (issue 22, item 8): no serious or critical violation.

axe-core comes from the npm registry (``tests/axe``; ``make install-test``) and is
injected into each page of the demo, signed in as an administrator, once the page is
idle. Tables are drawn on a canvas, which axe cannot read; everything else it can."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from strategy.ui.navigation import page_specs
from tests.browser import open_page, settle
from tests.conftest import RunningApp

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def audit(page: Any) -> list[dict[str, Any]]:
    """axe's serious and critical violations on the page as it stands."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make install-test`")
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return result.violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => ({id: v.id, impact: v.impact, help: v.help, count: v.nodes.length,
                            first: v.nodes.slice(0, 3).map(n => n.failureSummary + ' @ '
                                                            + n.target.join(' '))}));
        }""", RULES)
    return found


@pytest.mark.parametrize("key", [s.key for s in page_specs()])
def test_every_page_meets_wcag_aa(demo_app: RunningApp, browser: Any, key: str) -> None:
    page = browser.new_context(viewport={"width": 1300, "height": 1000}).new_page()
    open_page(page, f"{demo_app.url}/{'' if key == 'overview' else key}")
    violations = audit(page)
    if violations:
        # Elements fading in are measured mid-fade (their colour is still partly
        # transparent) on a busy machine: look again once the page has been still.
        settle(page)
        page.wait_for_timeout(1_500)
        violations = audit(page)
    page.context.close()
    assert violations == [], "\n".join(
        f"{v['id']} ({v['impact']}, {v['count']} elements): {v['help']}\n  "
        + "\n  ".join(v["first"]) for v in violations)
