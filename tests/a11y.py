"""Accessibility checks with axe-core, vendored (tests/vendor/axe.min.js: axe-core 4.14.1 from npm,
MPL-2.0) so browser tests need no network."""
from pathlib import Path

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
# The violations as strings, made in the page: sending axe's whole result (every rule's passes and
# inapplicable entries) over to Python took a third of each check's time.
VIOLATIONS = """axe.run(document, {resultTypes: ['violations']}).then((result) => result.violations.map(
    (v) => v.id + ': ' + v.nodes.map((node) => node.target.join(' ')).join(', ')))"""


def axe_violations(page, scheme=None):
    """axe's violations on the page as it stands, as "rule-id: target, ..." strings.
    scheme ("light"/"dark") emulates the visitor's colour preference first."""
    if scheme:
        # Reduced motion too: buttons fade their colours over 0.15 s, and axe must judge the settled ones.
        page.emulate_media(color_scheme=scheme, reduced_motion="reduce")
    # Evaluated over the DevTools protocol, so the page's CSP (no inline script) does not block it; once per
    # page load, as parsing it again each time cost a tenth of a second.
    if not page.evaluate("typeof axe === 'object'"):
        page.evaluate(AXE)
    return page.evaluate(VIOLATIONS)
