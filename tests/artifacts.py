"""Screenshots under artifacts/ for people to look at (each phase of the homepage, the dashboard, the pictures
docs/organizers.md shows). Taken only when asked for with `--screenshots` (`fab tests --screenshots`): encoding
them was an eighth of the browser tests' time, and no test reads them."""
from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
wanted = False  # conftest sets it from --screenshots


def screenshot(target, name, **options):
    """Save a page's (or an element's) screenshot as artifacts/NAME when screenshots are wanted."""
    if wanted:
        ARTIFACTS.mkdir(exist_ok=True)
        target.screenshot(path=ARTIFACTS / name, **options)


def whole_page(page, name):
    """The whole page as artifacts/NAME, scrolled to the top first (else a sticky bar lands mid-page)."""
    if wanted:
        page.evaluate("window.scrollTo(0, 0)")
        screenshot(page, name, full_page=True)


def from_the_top(page, name):
    """The first screen (NAME.png) and the whole page (NAME-full.png), scrolled to the top first."""
    if wanted:
        page.evaluate("window.scrollTo(0, 0)")
        screenshot(page, f"{name}.png")
        whole_page(page, f"{name}-full.png")
