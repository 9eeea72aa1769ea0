"""Every relative link in the README (and the docs it points to) resolves in a fresh clone: to a
file git tracks (not one .gitignore would leave out of a clone), or to a heading of the page."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PAGES = ["README.md", "playbooks/README.md", "docs/architecture.md", "docs/setup.md"]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def prose(text: str) -> str:
    """The page without its code blocks and code spans (a `[label](url)` there is an example)."""
    return re.sub(r"`[^`\n]*`", "", re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL))


def anchors(page: Path) -> set[str]:
    """GitHub's ids for the page's headings: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"^```.*?^```", "", page.read_text(), flags=re.MULTILINE | re.DOTALL)
    headings = re.findall(r"^#+\s+(.+?)\s*$", text, re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}


def ignored_and_untracked(path: Path) -> bool:
    if not (ROOT / ".git").exists():
        return False
    relative = str(path.relative_to(ROOT))
    tracked = subprocess.run(["git", "ls-files", "--error-unmatch", relative], cwd=ROOT, capture_output=True)
    ignored = subprocess.run(["git", "check-ignore", "-q", relative], cwd=ROOT, capture_output=True)
    return tracked.returncode != 0 and ignored.returncode == 0


@pytest.mark.parametrize("name", [p for p in PAGES if (ROOT / p).exists()])
def test_every_relative_link_resolves(name: str) -> None:
    page = ROOT / name
    broken = []
    for target in LINK.findall(prose(page.read_text())):
        if re.match(r"[a-z]+:", target):  # https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        missing = not file.exists() or ignored_and_untracked(file)
        if missing or (anchor and file.suffix == ".md" and anchor not in anchors(file)):
            broken.append(target)
    assert not broken, f"{name}: links to nothing in a fresh clone: {broken}"


def test_the_readme_links_the_architecture_and_the_env_example() -> None:
    text = (ROOT / "README.md").read_text()
    assert "](docs/architecture.md)" in text and "](.env.example)" in text


def test_heading_anchors_are_githubs() -> None:
    ids = anchors(ROOT / "README.md")
    assert {"quick-start", "operations", "welcome", "running-on-discord"} <= ids
