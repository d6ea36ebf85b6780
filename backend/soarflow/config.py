"""Settings from SOARFLOW_* environment variables, with defaults that work with nothing set."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
MAX_BODY_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class Settings:
    database_url: str
    frontend_dir: Path
    connectors_dir: Path = REPO_ROOT / "connectors"
    var_dir: Path = Path("var")
    allowed_networks: str = ""
    secret_keys: str = ""
    host: str = "127.0.0.1"
    port: int = 8080
    admin_password: str | None = None
    # How steps run: "threads" (a bounded pool; the server's default) or "inline" (each run
    # goes to its end, or its first wait, inside the request that starts it: tests).
    executor: str = "threads"
    step_threads: int = 64
    # Where people reach this server, for links in what playbooks send (an incident's page).
    public_url: str = ""

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        var_dir = Path(environ.get("SOARFLOW_VAR_DIR", "var")).resolve()
        return cls(
            database_url=environ.get("SOARFLOW_DATABASE_URL", f"sqlite:///{var_dir}/soarflow.db"),
            frontend_dir=Path(
                environ.get("SOARFLOW_FRONTEND_DIR", REPO_ROOT / "frontend" / "dist")
            ),
            connectors_dir=Path(environ.get("SOARFLOW_CONNECTORS_DIR", REPO_ROOT / "connectors")),
            host=environ.get("SOARFLOW_HOST", "127.0.0.1"),
            port=int(environ.get("SOARFLOW_PORT", "8080")),
            admin_password=environ.get("SOARFLOW_ADMIN_PASSWORD") or None,
            var_dir=var_dir,
            allowed_networks=environ.get("SOARFLOW_ALLOWED_NETWORKS", ""),
            secret_keys=environ.get("SOARFLOW_SECRET_KEYS", ""),
            executor=environ.get("SOARFLOW_EXECUTOR", "threads"),
            step_threads=int(environ.get("SOARFLOW_STEP_THREADS", "64")),
            public_url=environ.get("SOARFLOW_PUBLIC_URL", ""),
        )
