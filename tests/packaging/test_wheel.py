"""The built wheel and sdist hold the bot, and the wheel runs on its own.

An operator installs the wheel with ``pipx`` or ``pip`` on a machine with no checkout, so the
proof is exactly that: build both archives from a copy of this tree the way a release does
(``python -m build``: the sdist first, the wheel from the unpacked sdist), install the wheel
into an empty virtual environment, and run ``backup-bot`` from a folder outside the checkout
with no ``PYTHONPATH``. The child processes get only PATH, HOME and a TMPDIR (pip also gets
its own ``PIP_*`` settings, which say where this machine's package index is), never the
developer's Slack or Rackspace variables.

Building and installing cost a few seconds each, so each happens once per module.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import tarfile
import threading
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[2]
BUILD_TIMEOUT = 300.0
INSTALL_TIMEOUT = 300.0
RUN_TIMEOUT = 60.0
SIMULATOR_START_TIMEOUT = 20.0

# What a copy of the checkout leaves out: local environments, caches and earlier builds.
NOT_SOURCE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "venv",
    "__pycache__",
    "*.pyc",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    "*.egg-info",
    "build",
    "dist",
    ".env",
    "*.sqlite3",
    "*.db",
)


@dataclass(frozen=True)
class Archives:
    source: Path  # the copy of the checkout they were built from
    wheel: Path
    sdist: Path


def child_env(tmp: Path, *, pip: bool = False) -> dict[str, str]:
    """PATH, HOME and a TMPDIR of the test's own; with `pip`, also pip's own settings."""
    env = {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": os.environ.get("HOME", str(tmp)),
        "TMPDIR": str(tmp),
        "LC_ALL": "C.UTF-8",
    }
    if pip:
        env |= {name: value for name, value in os.environ.items() if name.startswith("PIP_")}
    return env


def run(
    args: list[str], *, cwd: Path, env: dict[str, str], timeout: float
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def expected_bot_files(source: Path) -> set[str]:
    """Every file of the package as it lies in the tree: bot/**, so a new data file that the
    package data does not name fails here. Caches and editors' hidden or backup files aside."""
    return {
        path.relative_to(source).as_posix()
        for path in (source / "bot").rglob("*")
        if path.is_file()
        and "__pycache__" not in path.parts
        and path.suffix != ".pyc"
        and not path.name.startswith(".")
        and not path.name.endswith("~")
    }


@pytest.fixture(scope="module")
def tmp_module(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("packaging")


@pytest.fixture(scope="module")
def archives(tmp_module: Path) -> Archives:
    """Both archives, built from a copy so the shared checkout gets no build/ or egg-info."""
    source = tmp_module / "source"
    shutil.copytree(CHECKOUT, source, ignore=NOT_SOURCE, symlinks=True)
    out = tmp_module / "dist"
    tmp = tmp_module / "build-tmp"
    tmp.mkdir()
    done = run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(source)],
        cwd=tmp_module,
        env=child_env(tmp, pip=True),
        timeout=BUILD_TIMEOUT,
    )
    assert done.returncode == 0, f"python -m build failed:\n{done.stdout}\n{done.stderr}"
    wheels, sdists = sorted(out.glob("*.whl")), sorted(out.glob("*.tar.gz"))
    assert len(wheels) == 1, wheels
    assert len(sdists) == 1, sdists
    return Archives(source=source, wheel=wheels[0], sdist=sdists[0])


@pytest.fixture(scope="module")
def venv_bin(archives: Archives, tmp_module: Path) -> Path:
    """An empty virtual environment with only the wheel and its runtime dependencies."""
    venv = tmp_module / "venv"
    tmp = tmp_module / "install-tmp"
    tmp.mkdir()
    created = run(
        [sys.executable, "-m", "venv", str(venv)],
        cwd=tmp_module,
        env=child_env(tmp),
        timeout=INSTALL_TIMEOUT,
    )
    assert created.returncode == 0, created.stderr
    installed = run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", str(archives.wheel)],
        cwd=tmp_module,
        env=child_env(tmp, pip=True),
        timeout=INSTALL_TIMEOUT,
    )
    assert installed.returncode == 0, f"pip install failed:\n{installed.stdout}\n{installed.stderr}"
    return venv / "bin"


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """A working directory outside the checkout, with nothing named bot/ in it."""
    assert not tmp_path.resolve().is_relative_to(CHECKOUT)
    return tmp_path


def test_wheel_holds_the_bot_and_nothing_else(archives: Archives) -> None:
    with zipfile.ZipFile(archives.wheel) as wheel:
        names = set(wheel.namelist())
    dist_info = {name for name in names if name.split("/")[0].endswith(".dist-info")}
    assert names - dist_info == expected_bot_files(archives.source)
    assert {"bot/py.typed", "bot/simulator/__init__.py", "bot/devtools/demo.py"} <= names


def test_wheel_declares_the_console_script(archives: Archives) -> None:
    with zipfile.ZipFile(archives.wheel) as wheel:
        (entry_points,) = [n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt")]
        text = wheel.read(entry_points).decode()
    assert "backup-bot = bot.cli:main" in text


def test_sdist_holds_the_bot_and_nothing_of_tests_or_bench(archives: Archives) -> None:
    with tarfile.open(archives.sdist) as sdist:
        members = [m.name.split("/", 1)[1] for m in sdist.getmembers() if m.isfile()]
    assert not [name for name in members if name.split("/")[0] in ("tests", "bench")]
    assert {name for name in members if name.startswith("bot/")} == expected_bot_files(
        archives.source
    )
    assert {"pyproject.toml", "README.md", "PKG-INFO"} <= set(members)


def test_installed_bot_comes_from_the_environment(venv_bin: Path, elsewhere: Path) -> None:
    probe = (
        "import importlib.util, json, bot;"
        "print(json.dumps([bot.__file__, importlib.util.find_spec('tests') is None,"
        " importlib.util.find_spec('bench') is None]))"
    )
    done = run(
        [str(venv_bin / "python"), "-c", probe],
        cwd=elsewhere,
        env=child_env(elsewhere),
        timeout=RUN_TIMEOUT,
    )
    assert done.returncode == 0, done.stderr
    location, no_tests, no_bench = json.loads(done.stdout)
    assert Path(location).resolve().is_relative_to(venv_bin.parent.resolve())
    assert no_tests
    assert no_bench


def test_serve_help(venv_bin: Path, elsewhere: Path) -> None:
    done = run(
        [str(venv_bin / "backup-bot"), "serve", "--help"],
        cwd=elsewhere,
        env=child_env(elsewhere),
        timeout=RUN_TIMEOUT,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: backup-bot serve")
    assert "--socket" in done.stdout


def test_demo_script(venv_bin: Path, elsewhere: Path) -> None:
    done = run(
        [str(venv_bin / "backup-bot"), "demo", "--script", "/backup agents", "--timeout", "30"],
        cwd=elsewhere,
        env=child_env(elsewhere),
        timeout=RUN_TIMEOUT,
    )
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    assert "Done: 1 line(s) answered" in done.stdout
    assert "web1" in done.stdout  # an agent of the simulator's fleet, listed by the bot


def test_simulator_answers_identity(venv_bin: Path, elsewhere: Path) -> None:
    with simulator_process(venv_bin, elsewhere) as (process, lines):
        settings = read_settings(lines)
        body = {
            "auth": {
                "RAX-KSKEY:apiKeyCredentials": {
                    "username": settings["RACKSPACE_USERNAME"],
                    "apiKey": settings["RACKSPACE_API_KEY"],
                }
            }
        }
        url = settings["RACKSPACE_IDENTITY_URL"].rstrip("/") + "/tokens"
        assert url.startswith("http://127.0.0.1:")
        request = urllib.request.Request(
            url,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
            answer = json.load(response)
        assert answer["access"]["token"]["id"]
        assert any(s["type"] == "rax:backup" for s in answer["access"]["serviceCatalog"])
        process.terminate()
        assert process.wait(timeout=RUN_TIMEOUT) == 0
        rest: list[str] = []
        deadline = time.monotonic() + RUN_TIMEOUT
        while (line := lines.next(deadline)) is not None:
            rest.append(line)
        assert "Simulator stopped." in rest


@dataclass
class Lines:
    """Lines a child prints, read by a thread so that waiting for one has a deadline."""

    pending: queue.Queue[str | None]

    def next(self, deadline: float) -> str | None:
        """The next line; None at the end of the output or when the deadline passed."""
        try:
            return self.pending.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            return None


@contextmanager
def simulator_process(venv_bin: Path, cwd: Path) -> Iterator[tuple[subprocess.Popen[str], Lines]]:
    """``backup-bot simulator`` on a loopback port the OS picks; killed if still running."""
    args = [str(venv_bin / "backup-bot"), "simulator", "--host", "127.0.0.1", "--port", "0"]
    process = subprocess.Popen(
        args,
        cwd=cwd,
        env=child_env(cwd),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    pending: queue.Queue[str | None] = queue.Queue()
    reader = threading.Thread(target=_pump, args=(process, pending), daemon=True)
    reader.start()
    try:
        yield process, Lines(pending)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=RUN_TIMEOUT)
        reader.join(timeout=RUN_TIMEOUT)


def _pump(process: subprocess.Popen[str], pending: queue.Queue[str | None]) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        pending.put(line.rstrip("\n"))
    pending.put(None)


def read_settings(lines: Lines) -> dict[str, str]:
    """The ``.env`` lines of the simulator's banner, up to the API key."""
    deadline = time.monotonic() + SIMULATOR_START_TIMEOUT
    settings: dict[str, str] = {}
    seen: list[str] = []
    while "RACKSPACE_API_KEY" not in settings:
        line = lines.next(deadline)
        if line is None:
            pytest.fail("the simulator printed no settings:\n" + "\n".join(seen))
        seen.append(line)
        name, sep, value = line.partition("=")
        if sep and name.startswith("RACKSPACE_"):
            settings[name] = value
    return settings


def test_children_get_no_slack_or_rackspace_variables(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-not-for-a-child")
    monkeypatch.setenv("RACKSPACE_API_KEY", "not-for-a-child")
    monkeypatch.setenv("PIP_DEFAULT_TIMEOUT", "60")
    for env in (child_env(tmp_path), child_env(tmp_path, pip=True)):
        assert not [name for name in env if name.startswith(("SLACK_", "RACKSPACE_"))]
        assert set(env) >= {"PATH", "HOME", "TMPDIR"}
    assert child_env(tmp_path, pip=True)["PIP_DEFAULT_TIMEOUT"] == "60"
    assert "PIP_DEFAULT_TIMEOUT" not in child_env(tmp_path)
