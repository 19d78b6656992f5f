"""The real Open WebUI 0.12.4, started offline on loopback for the e2e tests.

Installed once by `scripts/install-openwebui` (called by `scripts/install-lab-deps`) into its own
virtualenv outside the repository: `$AUTHDOCTOR_OWUI_HOME` or
`~/.cache/authdoctor/openwebui-0.12.4` (venv/ + a marker file naming the installed versions).

Each instance runs `open-webui serve --host 127.0.0.1 --port P` (not plain uvicorn, which needs
FROM_INIT_PY=true) with a fresh DATA_DIR under the lab's run folder, as its own process (stopped by
PID), with nothing from the caller's environment but PATH/HOME/LANG: offline (OFFLINE_MODE,
HF_HUB_OFFLINE, no Ollama/OpenAI backends, no model auto-updates, no telemetry) plus the
scenario's Open WebUI variables. Readiness is `GET /health` answering 200 within a bound (11-16 s
measured on the 2-core machines; the bound leaves room for several instances
starting at once on a loaded 2-core machine).

0.12.4 copies most settings into its database on the first start ("persistent config"), so a
scenario with other settings gets a new instance with a new DATA_DIR; the cookie variables,
WEBUI_SECRET_KEY and REDIS_URL are read at every start (shared/reference/openwebui-live-0.12.4.md).
The first signup becomes the admin (`RealOpenWebUI.create_admin`).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .ports import HOST, free_port, wait_until
from .process import ServerProcess, StartError, launch

VERSION = "0.12.4"
TORCH_VERSION = "2.13.0"
HOME_ENV = "AUTHDOCTOR_OWUI_HOME"
MARKER_NAME = ".authdoctor-openwebui"
MARKER_TEXT = f"open-webui=={VERSION} torch=={TORCH_VERSION}"
START_TIMEOUT_S = 300.0
ADMIN = {"name": "Lab Admin", "email": "admin@example.org", "password": "lab-admin-pass"}

# Offline, quiet, nothing fetched: see openwebui-live-0.12.4.md §2 ("start.sh").
OFFLINE_ENV: dict[str, str] = {
    "OFFLINE_MODE": "true",
    "HF_HUB_OFFLINE": "1",
    "ENABLE_OLLAMA_API": "false",
    "ENABLE_OPENAI_API": "false",
    "RAG_EMBEDDING_MODEL_AUTO_UPDATE": "false",
    "RAG_RERANKING_MODEL_AUTO_UPDATE": "false",
    "WHISPER_MODEL_AUTO_UPDATE": "false",
    "ENABLE_VERSION_UPDATE_CHECK": "false",
    "BYPASS_EMBEDDING_AND_RETRIEVAL": "true",
    "ANONYMIZED_TELEMETRY": "false",
    "SCARF_NO_ANALYTICS": "true",
    "DO_NOT_TRACK": "true",
}


def owui_home(environ: Mapping[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    configured = environ.get(HOME_ENV, "").strip()
    if configured:
        return Path(configured)
    return Path(environ.get("HOME", str(Path.home()))) / ".cache" / "authdoctor" / f"openwebui-{VERSION}"


def executable(environ: Mapping[str, str] | None = None) -> Path:
    return owui_home(environ) / "venv" / "bin" / "open-webui"


def missing_binaries(environ: Mapping[str, str] | None = None) -> list[str]:
    """What is missing for a real Open WebUI (empty when installed)."""
    home = owui_home(environ)
    try:
        marker = (home / MARKER_NAME).read_text().strip()
    except OSError:
        marker = ""
    if marker != MARKER_TEXT or not executable(environ).exists():
        return [f"open-webui {VERSION} in {home}"]
    return []


@dataclass(frozen=True)
class RealOpenWebUI:
    """One running Open WebUI 0.12.4. `env` is the scenario's settings (Open WebUI variable
    names, without the offline plumbing): what a settings file for authdoctor would hold."""

    url: str
    host: str
    port: int
    env: Mapping[str, str]
    pid: int
    data_dir: Path
    log_path: Path

    def create_admin(self, admin: Mapping[str, str] | None = None) -> dict[str, Any]:
        """POST the first signup (it becomes the admin; signup then turns itself off). Returns
        the app's JSON answer; raises on any other status than 200."""
        import httpx

        response = httpx.post(f"{self.url}/api/v1/auths/signup", json=dict(admin or ADMIN), timeout=30)
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data


def start_openwebui(run_dir: Path, env: Mapping[str, str], *, port: int | None = None,
                    name: str = "openwebui", timeout: float = START_TIMEOUT_S, keep_data: bool = False
                    ) -> tuple[RealOpenWebUI, ServerProcess]:
    """Start a real Open WebUI with `env` on a fresh data folder under `run_dir/name` (with
    `keep_data`, on the folder an earlier start of `name` left: a restart, which reads the cookie
    variables, WEBUI_SECRET_KEY and REDIS_URL anew and keeps the users); returns when `/health`
    answers 200 (StartError with the log's end otherwise)."""
    import httpx

    home = (run_dir / name).resolve()
    if home.exists() and not keep_data:
        shutil.rmtree(home)
    data_dir = home / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    url = f"http://{HOST}:{port}"
    scenario = {"WEBUI_URL": url, **env}
    full_env = {
        "PATH": os.environ.get("PATH", ""), "HOME": str(home), "LANG": os.environ.get("LANG", "C.UTF-8"),
        "PYTHONUNBUFFERED": "1",
        "DATA_DIR": str(data_dir), "HF_HOME": str(data_dir / "hf"),
        "TORCHINDUCTOR_CACHE_DIR": str(data_dir / "torchinductor"),
        **OFFLINE_ENV, **scenario,
    }
    log_path = home / "openwebui.log"
    argv = [str(executable()), "serve", "--host", HOST, "--port", str(port)]
    proc = launch(name, argv, log_path=log_path, env=full_env, cwd=home)

    def healthy() -> bool:
        try:
            return httpx.get(f"{url}/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(healthy, timeout=timeout, interval=0.5, alive=proc.alive, what="open-webui /health 200")
    except (RuntimeError, TimeoutError) as exc:
        proc.stop(grace=10)
        raise StartError(proc, f"did not start: {exc}") from None
    info = RealOpenWebUI(url=url, host=HOST, port=port, env=scenario, pid=proc.pid, data_dir=data_dir,
                         log_path=log_path)
    return info, proc
