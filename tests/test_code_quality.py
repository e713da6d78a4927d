"""Lint and architecture checks run with the suite, so CI enforces them."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _run(*args):
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False)


def test_ruff_lint_is_clean():
    result = _run(str(BIN / "ruff"), "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean():
    result = _run(str(BIN / "ruff"), "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_apps_depend_one_way():
    lint_imports = shutil.which("lint-imports", path=str(BIN)) or str(BIN / "lint-imports")
    result = _run(lint_imports)
    assert result.returncode == 0, result.stdout + result.stderr
