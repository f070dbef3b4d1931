"""The HTML edition of the demo packs passes axe-core in headless Chromium with no violations.

Chromium (Debian's ``chromium``) is driven over the DevTools protocol on a pipe
(``--remote-debugging-pipe``): no extra Python package, no network port. axe-core
comes from ``tests/axe`` (``npm ci`` in the Makefile). ``make test`` installs both;
the test skips only outside CI when they are missing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "tests" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
    "--disable-extensions",
    "--mute-audio",
    "--remote-debugging-pipe",
]


def missing(what: str) -> None:
    message = f"{what} is not installed: run `make axe` (make test does)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


class DevTools:
    """A headless Chromium and its DevTools protocol over fds 3 (commands) and 4 (replies)."""

    def __init__(self, binary: str, profile: Path) -> None:
        import fcntl

        commands_r, self._commands = os.pipe()
        self._replies, replies_w = os.pipe()

        def onto_3_and_4() -> None:
            # In the child: copy both ends above 10 first, so that 3 and 4 can be taken.
            high_r = fcntl.fcntl(commands_r, fcntl.F_DUPFD, 10)
            high_w = fcntl.fcntl(replies_w, fcntl.F_DUPFD, 10)
            os.dup2(high_r, 3)  # inheritable: kept across exec
            os.dup2(high_w, 4)
            os.close(high_r)
            os.close(high_w)

        self.process = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=False,  # our other descriptors are not inheritable (PEP 446)
            preexec_fn=onto_3_and_4,  # noqa: PLW1509 - single-threaded test process
        )
        os.close(commands_r)
        os.close(replies_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []

    def _read_message(self) -> dict:
        while b"\0" not in self._buffer:
            chunk = os.read(self._replies, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, session: str | None = None, **params) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read_message()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]
            self.events.append(reply)

    def wait_for(self, method: str) -> dict:
        for i, event in enumerate(self.events):
            if event.get("method") == method:
                return self.events.pop(i)
        while True:
            event = self._read_message()
            if event.get("method") == method:
                return event
            self.events.append(event)

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except (RuntimeError, OSError):
            pass
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._commands)
        os.close(self._replies)


def axe_violations(html_file: Path) -> list[dict]:
    """Load ``html_file`` in headless Chromium, run axe-core, return its violations."""
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        missing("chromium")
    if not AXE.exists():
        missing("axe-core")
    with tempfile.TemporaryDirectory(prefix="sendreport-chromium-") as profile:
        browser = DevTools(binary, Path(profile))
        try:
            target = browser.send("Target.createTarget", url="about:blank")["targetId"]
            session = browser.send("Target.attachToTarget", targetId=target, flatten=True)[
                "sessionId"
            ]
            browser.send("Page.enable", session)
            browser.send("Page.navigate", session, url=html_file.resolve().as_uri())
            browser.wait_for("Page.loadEventFired")
            browser.send("Runtime.evaluate", session, expression=AXE.read_text(encoding="utf-8"))
            result = browser.send(
                "Runtime.evaluate",
                session,
                expression=(
                    "axe.run(document, {resultTypes: ['violations']})"
                    ".then(r => JSON.stringify(r.violations))"
                ),
                awaitPromise=True,
                returnByValue=True,
            )
        finally:
            browser.close()
    if "exceptionDetails" in result:
        raise RuntimeError(f"axe failed: {result['exceptionDetails']}")
    return json.loads(result["result"]["value"])


def describe(violations: list[dict]) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} - {len(v['nodes'])} element(s), e.g. "
        f"{v['nodes'][0]['html'][:160]}"
        for v in violations
    )


@pytest.mark.parametrize("name", ["demo", "demo-wsoa"])
def test_html_edition_has_no_axe_violations(demo_runs, name):
    violations = axe_violations(demo_runs[name].output_folder / "report.html")
    assert violations == [], describe(violations)


def test_axe_finds_violations_in_a_broken_page(tmp_path):
    """The check can fail: an image without alt text and an unlabelled table header."""
    page = tmp_path / "broken.html"
    page.write_text(
        '<!DOCTYPE html><html lang="en"><head><title>Broken</title></head><body><main>'
        '<h1>Broken</h1><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        "</main></body></html>",
        encoding="utf-8",
    )
    ids = {v["id"] for v in axe_violations(page)}
    assert "image-alt" in ids
