"""Settings-loading benchmark: does reading a settings file take time linear in its size?

For each input shape, builds a file of size n and one of size 4n, loads each through
`authdoctor.settings.load_deployment` (what `check` and `config show` do before any check runs),
and prints the median times and their ratio. Linear loading gives a ratio near 4; quadratic
loading gives 16. Target: every ratio <= 6 (issue 7 §2: "linear time, bounded memory, or a
clear refusal above a documented size"; the adversarial report's W2 inputs are the 4n sizes).

Shapes:
    env-lines      a .env of n short lines                       (W2: 100,000 lines)
    env-secret     a .env whose WEBUI_SECRET_KEY is n characters (W2: a 4 MB secret)
    env-dollars    a .env value of n/2 repetitions of "${"       (python-dotenv's regex: quadratic)
    deploy-keys    a deploy.yaml with n keys under env:          (W2: 50,000 keys)
    compose-env    a compose service with n environment entries
    k8s-env        a Deployment container with n env entries, each using $(VAR)
    k8s-dollars    a Kubernetes env value of n/2 repetitions of "$(" (was quadratic)

    .venv/bin/python benchmarks/settings_loading.py               # 3 rounds
    .venv/bin/python benchmarks/settings_loading.py --rounds 5 --max-ratio 6   # exit 1 above
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

TARGET_RATIO = 6.0


def env_lines(n: int) -> tuple[str, str]:
    return "a.env", "".join(f"VAR_{i}=value{i}\n" for i in range(n))


def env_secret(n: int) -> tuple[str, str]:
    return "a.env", "WEBUI_URL=https://x.org\nWEBUI_SECRET_KEY=" + "S" * n + "\n"


def env_dollars(n: int) -> tuple[str, str]:
    return "a.env", "A=" + "${" * (n // 2) + "\n"


def deploy_keys(n: int) -> tuple[str, str]:
    return "deploy.yaml", "version: 1\nenv:\n" + "".join(f"  VAR_{i}: value{i}\n" for i in range(n))


def compose_env(n: int) -> tuple[str, str]:
    entries = "".join(f"      VAR_{i}: value{i}\n" for i in range(n))
    return "docker-compose.yml", ("services:\n  w:\n    image: ghcr.io/open-webui/open-webui:main\n"
                                  f"    environment:\n{entries}")


_DEPLOYMENT = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: owui}\nspec:\n  template:\n"
               "    spec:\n      containers:\n      - name: owui\n"
               "        image: ghcr.io/open-webui/open-webui:main\n        env:\n")


def k8s_env(n: int) -> tuple[str, str]:
    entries = "".join(f"        - name: V{i}\n          value: \"$(V0)x\"\n" for i in range(n))
    return "k8s.yaml", _DEPLOYMENT + entries


def k8s_dollars(n: int) -> tuple[str, str]:
    return "k8s.yaml", _DEPLOYMENT + "        - name: A\n          value: \"" + "$(" * (n // 2) + "\"\n"


SHAPES: dict[str, tuple[Callable[[int], tuple[str, str]], int]] = {
    "env-lines": (env_lines, 25_000),
    "env-secret": (env_secret, 1024 * 1024),
    "env-dollars": (env_dollars, 200_000),
    "deploy-keys": (deploy_keys, 12_500),
    "compose-env": (compose_env, 10_000),
    "k8s-env": (k8s_env, 5_000),
    "k8s-dollars": (k8s_dollars, 200_000),
}


def load_seconds(folder: Path, name: str, text: str, rounds: int) -> float:
    from authdoctor.settings import SettingsInputs, load_deployment

    path = folder / name
    path.write_text(text)
    kind = {"a.env": "env_files", "deploy.yaml": "config", "docker-compose.yml": "compose_files",
            "k8s.yaml": "k8s"}[name]
    value: object = str(path) if kind == "config" else (str(path),)
    inputs = SettingsInputs(environ={}, **{kind: value})  # type: ignore[arg-type]
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        load_deployment(inputs)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--max-ratio", type=float, default=None)
    args = parser.parse_args()
    worst = 0.0
    print(f"{'shape':<13} {'n':>10} {'t(n) s':>9} {'t(4n) s':>9} {'ratio':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for label, (build, n) in SHAPES.items():
            small = load_seconds(folder, *build(n), args.rounds)
            large = load_seconds(folder, *build(4 * n), args.rounds)
            ratio = large / small if small > 0 else float("inf")
            worst = max(worst, ratio)
            print(f"{label:<13} {n:>10,} {small:>9.3f} {large:>9.3f} {ratio:>6.2f}")
    print(f"worst ratio {worst:.2f} (linear: about 4; target <= {TARGET_RATIO})")
    if args.max_ratio is not None and worst > args.max_ratio:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
