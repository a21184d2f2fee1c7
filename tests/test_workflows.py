"""The publishing workflow (.github/workflows/pages.yml): valid for GitHub Actions, and
built by the README's command."""

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "pages.yml"


def test_actionlint_accepts_the_workflows():
    # requirements.txt installs actionlint beside this interpreter
    exe = shutil.which("actionlint", path=str(Path(sys.executable).parent))
    assert exe, "actionlint is missing: pip install -r requirements.txt"
    result = subprocess.run([exe, "-no-color", *map(str, sorted(WORKFLOW.parent.glob("*.yml")))],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_workflow_publishes_what_the_readme_command_builds():
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    triggers = workflow[True]            # YAML 1.1 reads the key `on` as True
    assert triggers["push"]["branches"] == ["main"] and triggers["push"]["tags"]
    steps = workflow["jobs"]["build"]["steps"]
    runs = [step.get("run", "") for step in steps]
    assert "bash tools/build_book.sh --pdf" in runs
    assert "bash tools/build_book.sh" in (ROOT / "README.md").read_text(encoding="utf-8")
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert upload["with"]["path"] == "_build/html"
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build" and deploy["permissions"] == {"pages": "write", "id-token": "write"}
