"""The locked requirements: every package pinned with hashes, the locks agree with the .in files and with
each other, and the environment running the tests holds exactly the locked versions (docs/dependencies.md)."""

import re
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
RUNTIME_IN, DEV_IN = ROOT / "requirements.in", ROOT / "requirements-dev.in"
RUNTIME_LOCK, DEV_LOCK = ROOT / "requirements.txt", ROOT / "requirements-dev.txt"

NAME = r"(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)"
LOCKED = re.compile(NAME + r"==(?P<version>\S+)(?P<hashes>(?: --hash=sha256:[0-9a-f]{64})+)")
DIRECT = re.compile(NAME + r"(?:\[(?P<extras>[^\]]*)\])?==(?P<version>\S+)")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def logical_lines(path: Path) -> list[str]:
    """The file's requirement lines: continuations joined, comments and blank lines dropped."""
    text = path.read_text(encoding="utf-8").replace("\\\n", " ")
    lines = (re.sub(r"(^|\s)#.*$", "", line) for line in text.splitlines())
    return [" ".join(line.split()) for line in lines if line.strip()]


def lock(path: Path) -> dict[str, tuple[str, frozenset[str]]]:
    """name -> (version, hashes); fails on any line that is not `name==version --hash=sha256:...`."""
    entries: dict[str, tuple[str, frozenset[str]]] = {}
    for line in logical_lines(path):
        match = LOCKED.fullmatch(line)
        assert match, f"{path.name}: not an exact pin with hashes: {line[:120]}"
        name = canonical(match["name"])
        assert name not in entries, f"{path.name}: {name} is locked twice"
        entries[name] = (match["version"], frozenset(re.findall(r"sha256:([0-9a-f]{64})", match["hashes"])))
    return entries


def direct(path: Path) -> dict[str, tuple[str, set[str]]]:
    """name -> (version, extras) of the packages an .in file asks for, following -r; -c adds no packages."""
    wanted: dict[str, tuple[str, set[str]]] = {}
    for line in logical_lines(path):
        if line.startswith(("-r ", "--requirement ")):
            wanted.update(direct(path.parent / line.split(maxsplit=1)[1]))
        elif line.startswith(("-c ", "--constraint ")):
            continue
        else:
            match = DIRECT.fullmatch(line)
            assert match, f"{path.name}: direct packages are pinned exactly (name==version): {line}"
            extras = {canonical(extra) for extra in (match["extras"] or "").split(",") if extra.strip()}
            wanted[canonical(match["name"])] = (match["version"], extras)
    return wanted


@pytest.mark.parametrize("path", [RUNTIME_LOCK, DEV_LOCK], ids=lambda path: path.name)
def test_every_locked_package_is_pinned_with_hashes(path):
    entries = lock(path)
    assert len(entries) > 10
    text = path.read_text(encoding="utf-8")
    for machine_specific in ("--index-url", "--extra-index-url", "--find-links", "file://", "/opt/", "/work/"):
        assert machine_specific not in text, f"{path.name} mentions {machine_specific}"


@pytest.mark.parametrize(("source", "path"), [(RUNTIME_IN, RUNTIME_LOCK), (DEV_IN, DEV_LOCK)], ids=["runtime", "dev"])
def test_every_direct_package_is_locked_at_its_pinned_version(source, path):
    entries = lock(path)
    for name, (version, _extras) in direct(source).items():
        assert name in entries, f"{name} from {source.name} is missing from {path.name}: run ./waypoint lock"
        assert Version(entries[name][0]) == Version(version), (
            f"{name} is {version} in {source.name} but {entries[name][0]} in {path.name}: run ./waypoint lock"
        )


def test_the_dev_lock_holds_the_runtime_lock_unchanged():
    runtime, dev = lock(RUNTIME_LOCK), lock(DEV_LOCK)
    for name, entry in runtime.items():
        assert dev.get(name) == entry, f"{name}: the dev lock differs from the runtime lock; run ./waypoint lock"
    assert set(direct(RUNTIME_IN)) <= set(direct(DEV_IN))


def test_this_environment_holds_exactly_the_dev_lock():
    """Tests run in the dev environment (./waypoint test installs requirements-dev.txt into .venv/)."""
    for name, (version, _hashes) in lock(DEV_LOCK).items():
        if name == "waypoint":
            continue
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            pytest.fail(f"{name}=={version} is locked but not installed; ./waypoint test reinstalls the lock")
        assert Version(installed) == Version(version), f"{name}: {installed} installed, {version} locked"


def test_the_dev_lock_is_complete():
    """Installation uses --no-deps: the lock itself must hold every dependency, and every requested extra,
    at a version they accept."""
    entries = lock(DEV_LOCK)
    extras = {name: wanted_extras for name, (_version, wanted_extras) in direct(DEV_IN).items()}
    problems = []
    for name in entries:
        for spec in metadata.requires(name) or []:
            requirement = Requirement(spec)
            needed = any(
                requirement.marker is None or requirement.marker.evaluate({"extra": extra})
                for extra in {""} | extras.get(name, set())
            )
            if not needed:
                continue
            locked = entries.get(canonical(requirement.name))
            if locked is None or not requirement.specifier.contains(locked[0], prereleases=True):
                problems.append(f"{name} needs {requirement}, locked: {locked[0] if locked else 'nothing'}")
    assert not problems, f"{DEV_LOCK.name} is incomplete: {'; '.join(problems)}; run ./waypoint lock"
