"""The real server (gunicorn, SQLite, built frontend) driven by Debian's Chromium via Playwright."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.e2e.support import Server, sign_in
from tests.fixtures import skip_or_fail

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
FRONTEND_DIR = REPO_ROOT / "frontend" / "dist"
RESULTS_DIR = REPO_ROOT / "test-results"
CHROMIUM = Path("/usr/bin/chromium")
# The venv's console script, not whatever `soarflow` happens to be first on PATH.
SOARFLOW = Path(sys.executable).parent / "soarflow"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
STARTUP_TIMEOUT_S = 30.0
USERNAME = "alice"
PASSWORD = "correct horse battery staple"
TOKEN_PREFIX = "sf_"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Conftest hooks see every collected item, not only this folder's.
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.e2e)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _is_healthy(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/api/v1/health", timeout=1) as response:
            body = json.load(response)
    except (OSError, ValueError):
        # Refused until gunicorn binds (URLError and timeouts are OSErrors too); whatever is not
        # the health JSON counts as not up yet, so a timeout reports the server's output.
        return False
    return isinstance(body, dict) and body.get("status") == "ok"


def _soarflow(args: list[str], env: dict[str, str], *, stdin: str | None = None) -> str:
    """Runs a `soarflow` command against the test database; returns its standard output."""
    result = subprocess.run(
        [SOARFLOW, *args], env=env, input=stdin, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        pytest.fail(
            f"`soarflow {' '.join(args)}` exited with {result.returncode}:\n"
            f"{result.stdout}{result.stderr}",
            pytrace=False,
        )
    return result.stdout


def _create_user(env: dict[str, str]) -> str:
    """Creates the owner account the tests sign in as; returns an API token of that user."""
    user_create = ["user", "create", USERNAME, "--role", "owner", "--workspace", "default"]
    # No trailing newline: the password is the same whether the command strips one or not.
    _soarflow([*user_create, "--password-stdin"], env, stdin=PASSWORD)
    output = _soarflow(["token", "create", "--user", USERNAME, "--name", "e2e"], env)
    lines = output.strip().splitlines()
    token = lines[-1].strip() if lines else ""
    if not token.startswith(TOKEN_PREFIX):
        pytest.fail(
            f"`soarflow token create` should print a token ({TOKEN_PREFIX}...) as its last line; "
            f"it printed:\n{output}",
            pytrace=False,
        )
    return token


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A fresh server and database per test module, so what one module stores never leaks.

    The database holds one owner, `alice`, with a password for the UI and a token for the API.
    """
    with serving_soarflow(tmp_path_factory.mktemp("e2e-server")) as started:
        yield started


@contextmanager
def serving_soarflow(workdir: Path, extra_env: Mapping[str, str] | None = None) -> Iterator[Server]:
    """`soarflow serve` on a free port with a new database in `workdir`; `extra_env` adds to its
    settings (a connectors folder, allowed networks)."""
    installed = Installation.prepare(workdir, extra_env)
    try:
        yield installed.start()
    finally:
        installed.stop()


@dataclass
class Installation:
    """A database and settings in a folder, and the server on them, which a test may kill and
    start again (on the same port, so that links it sent keep working)."""

    workdir: Path
    env: dict[str, str]
    token: str
    port: int
    process: subprocess.Popen[bytes] | None = None

    @classmethod
    def prepare(cls, workdir: Path, extra_env: Mapping[str, str] | None = None) -> Installation:
        if not (FRONTEND_DIR / "index.html").is_file():
            skip_or_fail(f"{FRONTEND_DIR}/index.html is missing; run `make test`, which builds it")
        port = _free_port()
        env = {
            **os.environ,
            "SOARFLOW_DATABASE_URL": f"sqlite:///{workdir / 'soarflow.db'}",
            "SOARFLOW_FRONTEND_DIR": str(FRONTEND_DIR),
            "SOARFLOW_VAR_DIR": str(workdir / "var"),
            **(extra_env or {}),
        }
        _soarflow(["db", "upgrade"], env)
        return cls(workdir, env, _create_user(env), port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        # A file, not a pipe: nobody reads the access log while tests run, and a full pipe would
        # block the server. On its first start the server may print a generated admin password
        # there; the tests ignore it and sign in as the user created above.
        log_path = self.workdir / "server.log"
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [SOARFLOW, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not _is_healthy(self.url):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                state = (
                    f"exited with {self.process.returncode}"
                    if self.process.returncode is not None
                    else f"did not answer /api/v1/health within {STARTUP_TIMEOUT_S:.0f} s"
                )
                pytest.fail(
                    f"soarflow serve {state}; its output:\n{log_path.read_text(errors='replace')}",
                    pytrace=False,
                )
            time.sleep(0.1)
        return Server(url=self.url, username=USERNAME, password=PASSWORD, token=self.token)

    def kill(self) -> None:
        """As a crash or a power cut: no chance to finish anything."""
        if self.process is not None:
            # The whole group: gunicorn's workers too, as a power cut would.
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process)
            self.process = None


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.is_file():
        skip_or_fail(f"{CHROMIUM} is missing; install it with `apt-get install chromium`")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def browser_page(browser: Browser) -> Iterator[Page]:
    """A page in a context of its own: no cookies, storage or routes carry over between tests."""
    # Fixed locale and time zone so numbers and dates render the same on every machine.
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="en-US", timezone_id="UTC"
    )
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def signed_in_page(server: Server, browser_page: Page) -> Page:
    """The playbooks page, after signing in as the test user through the sign-in form."""
    sign_in(browser_page, server)
    return browser_page


@pytest.fixture
def screenshot(browser_page: Page) -> Callable[[str], Path]:
    """Saves the page as test-results/<name>.png and returns the path."""
    RESULTS_DIR.mkdir(exist_ok=True)

    def take(name: str) -> Path:
        path = RESULTS_DIR / f"{name}.png"
        browser_page.screenshot(path=path, full_page=True)
        return path

    return take
