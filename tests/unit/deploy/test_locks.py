"""The two dependency locks: the runtime one (the Docker image) holds no test tool; both pin exactly."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[3]
TOOLS = {"pytest", "pytest-asyncio", "ruff", "mypy", "import-linter", "hypothesis", "types-pyyaml"}


def pins(name: str) -> dict[str, str]:
    """The ``name==version`` lines of a lock, by canonical name (comments and -r lines apart)."""
    found: dict[str, str] = {}
    for line in (ROOT / name).read_text().splitlines():
        if not line or line.startswith(("#", "-r ")):
            continue
        package, sep, version = line.partition("==")
        assert sep and version and not any(c in version for c in "<>=~!*, "), f"{name}: not exact: {line}"
        found[canonicalize_name(package)] = version
    return found


def project_requirements() -> tuple[list[Requirement], list[Requirement]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = [Requirement(r) for r in project["dependencies"]]
    dev = [Requirement(r) for r in project["optional-dependencies"]["dev"]]
    return runtime, dev


def test_the_runtime_lock_holds_what_the_bot_needs_and_no_test_tool() -> None:
    runtime = pins("requirements.lock")
    needed, _ = project_requirements()
    for requirement in needed:
        name = canonicalize_name(requirement.name)
        assert name in runtime, f"{requirement} is not in requirements.lock"
        assert requirement.specifier.contains(runtime[name]), f"{requirement}: locked {runtime[name]}"
    assert not TOOLS & set(runtime)


def test_the_dev_lock_adds_the_tools_to_the_runtime_lock_without_repeating_it() -> None:
    text = (ROOT / "requirements-dev.lock").read_text()
    assert "-r requirements.lock\n" in text
    tools, runtime = pins("requirements-dev.lock"), pins("requirements.lock")
    _, dev = project_requirements()
    for requirement in dev:
        name = canonicalize_name(requirement.name)
        assert name in tools, f"{requirement} is not in requirements-dev.lock"
        assert requirement.specifier.contains(tools[name]), f"{requirement}: locked {tools[name]}"
    assert not set(tools) & set(runtime)


def test_make_installs_the_dev_lock_and_docker_the_runtime_lock_only() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "pip install --quiet -r requirements-dev.lock" in makefile
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "requirements.lock" in dockerfile and "requirements-dev.lock" not in dockerfile
