"""panva's ``oidc-provider`` (OpenID Certified), run by the tests with Node on a loopback
port: see ``tests/oidc_certified/provider.mjs``. ``make install-test`` installs it.

    with CertifiedProvider(people, redirect_uri, post_logout_uri) as provider:
        ...  # provider.issuer, provider.client_id, provider.client_secret
        provider.set_people({...})  # the next sign-in reads these claims
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Any

HERE = Path(__file__).resolve().parent / "oidc_certified"
MODULES = HERE / "node_modules" / "oidc-provider"


class CertifiedProvider:
    def __init__(self, people: dict[str, dict[str, Any]], redirect_uri: str,
                 post_logout_redirect_uri: str) -> None:
        self.client_id = "strategy-planner"
        self.client_secret = secrets.token_urlsafe(32)
        self.folder = Path(tempfile.mkdtemp(prefix="oidc-certified-"))
        self.people_file = self.folder / "people.json"
        self.set_people(people)
        self.settings = {"port": 0, "people": str(self.people_file), "client": {
            "client_id": self.client_id, "client_secret": self.client_secret,
            "redirect_uris": [redirect_uri],
            "post_logout_redirect_uris": [post_logout_redirect_uri]}}
        self.process: subprocess.Popen[str] | None = None
        self.issuer = ""

    def set_people(self, people: dict[str, dict[str, Any]]) -> None:
        self.people_file.write_text(json.dumps(people), "utf-8")

    def start(self) -> str:
        node = shutil.which("node")
        if node is None or not MODULES.exists():
            raise RuntimeError("Node or oidc-provider is missing: run `make install-test`")
        config = self.folder / "settings.json"
        config.write_text(json.dumps(self.settings), "utf-8")
        self.process = subprocess.Popen([node, str(HERE / "provider.mjs"), str(config)],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True, cwd=HERE)
        assert self.process.stdout is not None
        line = self.process.stdout.readline()  # blocks until it listens, or it died
        if not line.startswith("listening "):
            self.stop()
            raise RuntimeError(f"oidc-provider did not start: {line!r}")
        self.issuer = line.split()[1]
        return self.issuer

    def stop(self) -> str:
        """Stop the provider; returns what it wrote to stderr (its own warnings
        and any server_error), for a failing test to show."""
        errors = ""
        if self.process is not None:
            self.process.terminate()
            try:
                _, errors = self.process.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                _, errors = self.process.communicate()
            self.process = None
        shutil.rmtree(self.folder, ignore_errors=True)
        return errors

    def __enter__(self) -> CertifiedProvider:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()
