"""The README's snippets work: its Python blocks run, and its C++ block is exactly the code of
examples/cpp/readme_snippet.cpp (built and run by CTest)."""
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def blocks(lang):
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


def test_python_blocks_run(monkeypatch):
    pytest.importorskip("cskpi")
    monkeypatch.chdir(ROOT)
    code = blocks("python")
    assert code, "README has no Python block"
    for block in code:
        exec(compile(block, "README.md", "exec"), {})


def test_cpp_block_is_the_tested_example():
    snippet = (ROOT / "examples" / "cpp" / "readme_snippet.cpp").read_text(encoding="utf-8")
    cpp = [b for b in blocks("cpp") if "run_report" in b]
    assert cpp, "README has no C++ usage block"
    for line in cpp[0].splitlines():
        if line.strip() and not line.startswith("#include"):
            assert line in snippet, line


def test_the_two_commands_are_the_scripts_ci_runs():
    assert "scripts/demo.sh" in README and "scripts/test.sh" in README
    assert "scripts/test.sh" in (ROOT / ".ci" / "run").read_text()
    assert os.access(ROOT / "scripts" / "demo.sh", os.X_OK)
