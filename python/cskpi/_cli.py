"""The `cskpi` command a pip install puts on PATH: runs the command-line binary shipped inside
the package (built with it by setup.py), with the same arguments and exit code."""
from __future__ import annotations

import os
import sys
from pathlib import Path


def main() -> None:
    exe = Path(__file__).resolve().parent / "bin" / "cskpi"
    if not exe.exists():
        sys.exit(f"cskpi: the command-line binary is missing from the package ({exe}); reinstall with pip install .")
    os.execv(str(exe), [str(exe), *sys.argv[1:]])
