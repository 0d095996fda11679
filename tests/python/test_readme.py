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
    cpp = blocks("cpp")
    assert any("run_report" in b for b in cpp) and any("interactions_builder" in b for b in cpp), \
        "README lacks the C++ usage blocks"
    for block in cpp:
        for line in block.splitlines():
            if line.strip() and not line.startswith("#include"):
                assert line in snippet, line


def test_shell_examples_run_as_written(tmp_path):
    """Every `cskpi ...` line of the README's sh blocks runs from the repository's root (the
    command being build/cskpi), with outputs written to a scratch copy of the root."""
    import shutil
    import subprocess

    cli = os.path.abspath(os.environ.get("CSKPI_CLI", str(ROOT / "build" / "cskpi")))
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    commands = []
    for block in blocks("sh"):
        text = block.replace("\\\n", " ")
        for line in text.splitlines():
            line = line.split("  #")[0].strip()
            if line.startswith("cskpi "):
                commands.append(line)
    assert len(commands) >= 15
    for cmd in commands:
        args = shlex_split(cmd)[1:]
        out = subprocess.run([cli, *args], cwd=tmp_path, capture_output=True, text=True)
        assert out.returncode == 0, (cmd, out.stderr[-500:])
        written = args[args.index("--output") + 1] if "--output" in args else None
        assert out.stdout or (written and (tmp_path / written).stat().st_size > 0), cmd


def shlex_split(s):
    import shlex

    return shlex.split(s)


def test_the_two_commands_are_the_scripts_ci_runs():
    assert "scripts/demo.sh" in README and "scripts/test.sh" in README
    assert "scripts/test.sh" in (ROOT / ".ci" / "run").read_text()
    assert os.access(ROOT / "scripts" / "demo.sh", os.X_OK)


def test_dependency_list_matches_the_install_script():
    import re as _re

    script = (ROOT / "scripts" / "install-deps.sh").read_text()
    pkgs = _re.search(r"pkgs=\((.*?)\)", script, flags=_re.S).group(1).split()
    section = README.split("## Dependencies")[1].split("## Layout")[0]
    missing = [p for p in pkgs if p not in section]
    assert not missing, f"README's dependency list lacks {missing}"
