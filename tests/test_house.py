"""House rules: core never imports streamlit, settings are documented, error codes are complete."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from core.api import describe
from core.config import Settings, env_name
from core.errors import SPECS, ErrorCode, PipelineError

ROOT = Path(__file__).resolve().parents[1]


def test_core_imports_without_streamlit():
    code = (
        "import sys, pkgutil, importlib; sys.modules['streamlit'] = None\n"
        "import core\n"
        "names = [m.name for m in pkgutil.walk_packages(core.__path__, 'core.') if m.name != 'core.__main__']\n"
        "[importlib.import_module(n) for n in names]\n"
        "print(len(names))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert int(r.stdout.strip()) >= 10


def test_pages_only_import_core_api():
    for page in list((ROOT / "pages").glob("*.py")) + [ROOT / "app.py"]:
        text = page.read_text()
        for line in text.splitlines():
            s = line.strip()
            if s.startswith(("from core", "import core")):
                assert s.startswith(("from core.api", "import core.api", "from core.web", "from core import api")), (page.name, s)


def test_every_code_has_a_spec_with_user_message():
    assert set(SPECS) == set(ErrorCode)
    for code in ErrorCode:
        spec = code.spec
        assert spec.user_message and spec.hint and spec.stage
        assert "Traceback" not in spec.user_message


def test_codes_required_by_the_report_exist():
    required = """METADATA_EXTRACTION_FAILED FRAME_EXTRACTION_FAILED VIDEO_NOT_FOUND STORAGE_UNAVAILABLE
    STORAGE_ACCESS_DENIED DOWNLOAD_FAILED FILE_TOO_LARGE VIDEO_TOO_LONG VIDEO_TOO_SHORT UNSUPPORTED_CONTAINER
    UNSUPPORTED_CODEC VIDEO_CORRUPT NO_CLIMBER_DETECTED VISION_UNAVAILABLE VISION_RATE_LIMITED
    VISION_BAD_RESPONSE TIMEOUT INTERNAL WORKER_CRASHED""".split()
    assert set(required) <= {c.value for c in ErrorCode}
    assert ErrorCode.STORAGE_UNAVAILABLE.spec.retryable
    assert not ErrorCode.VIDEO_CORRUPT.spec.retryable


def test_pipeline_error_carries_the_decision():
    e = PipelineError(ErrorCode.STORAGE_UNAVAILABLE, "boom")
    assert e.retryable and e.stage == "resolve"
    assert e.to_dict()["error_code"] == "STORAGE_UNAVAILABLE"


def test_every_setting_is_documented():
    readme = (ROOT / "README.md").read_text()
    deploy = (ROOT / "render.yaml").read_text() + (ROOT / ".env.example").read_text()
    for name, field in Settings.model_fields.items():
        env = env_name(name, field)
        assert field.description, name
        assert f"`{env}`" in readme, f"{env} missing from README"
        assert env in deploy, f"{env} missing from render.yaml/.env.example"


def test_readme_settings_table_is_current():
    out = subprocess.run([sys.executable, "scripts/settings_table.py"], cwd=ROOT, capture_output=True, text=True, check=True)
    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- settings:start -->")[1].split("<!-- settings:end -->")[0].strip()
    assert block == out.stdout.strip(), "run scripts/settings_table.py and paste into README"


def test_render_yaml_names_only_existing_settings():
    import re

    names = set(re.findall(r"key: (PERFORMATE_[A-Z0-9_]+)", (ROOT / "render.yaml").read_text()))
    known = {env_name(n, f) for n, f in Settings.model_fields.items()}
    assert names and names <= known, names - known
    assert 'PYTHON_VERSION' in (ROOT / "render.yaml").read_text()


def test_settings_from_secrets_toml(tmp_path, monkeypatch):
    f = tmp_path / "secrets.toml"
    f.write_text('PERFORMATE_API_TOKEN = "pw-from-toml"\nOPENAI_API_KEY = "sk-toml-key"\nPERFORMATE_WORKERS = 3\n')
    monkeypatch.setenv("PERFORMATE_SECRETS_FILE", str(f))
    monkeypatch.setenv("PERFORMATE_WORKERS", "2")
    s = Settings()
    assert s.api_token.get_secret_value() == "pw-from-toml"
    assert s.openai_api_key.get_secret_value() == "sk-toml-key"
    assert s.workers == 2  # environment wins over the file
    assert "pw-from-toml" not in repr(s)


def test_what_to_do_after_a_failure_the_climber_caused_is_true_of_every_cause():
    """The line under a failure the climber can mend ("too short", "nobody seen", "not a video")
    adds nothing the message beside it would contradict: no remedy of its own (it once told a
    climber whose clip was too short, or showed nobody, to export it again as MP4)."""
    for code in ErrorCode:
        if not code.spec.user_caused:
            continue
        rec = describe({"status": "failed", "error_code": code.value, "created_at": "2026-12-06T10:00:00Z"})
        assert rec["what_to_do"] and "MP4" not in rec["what_to_do"], code
        assert "again" in rec["what_to_do"]


def test_make_bench_loads_every_benchmark_and_shadows_no_standard_module():
    """`make bench` ran bench/run_all.py as a script, which put bench/ first on the import path, where
    bench/queue.py stood in for the standard `queue` for everything imported after it: urllib3's
    `queue.LifoQueue` failed inside boto3 and `make bench` stopped at the queue benchmark. No file in
    bench/ may be named as a standard module, and every benchmark loads, run either way."""
    assert not {p.stem for p in (ROOT / "bench").glob("*.py")} & set(sys.stdlib_module_names)
    for how in (["-m", "bench.run_all"], ["bench/run_all.py"]):
        out = subprocess.run([sys.executable, *how, "--import-only"], cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        assert out.stdout.count(" imports") == 5, out.stdout
    assert "$(PY) -m bench.run_all" in (ROOT / "Makefile").read_text()
