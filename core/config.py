"""One typed Settings object, read once at the edge.

Sources, first wins: explicit arguments, environment variables, then ``.streamlit/secrets.toml``
(top-level keys spelled like the environment variables). Every field has a default and a line of
help (its ``description``); ``tests/test_config.py`` checks each is documented in the README and
named in render.yaml or .env.example.
"""
from __future__ import annotations

import functools
import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[1]
SECRETS_FILE = ROOT / ".streamlit" / "secrets.toml"


def env_name(name: str, field: FieldInfo) -> str:
    """The environment variable that sets ``field`` (its alias, or PERFORMATE_<NAME>)."""
    alias = field.validation_alias
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    if isinstance(alias, str):
        return alias
    return "PERFORMATE_" + name.upper()


class _SecretsToml(PydanticBaseSettingsSource):
    """Reads .streamlit/secrets.toml (or PERFORMATE_SECRETS_FILE) with env-style keys."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        path = Path(os.environ.get("PERFORMATE_SECRETS_FILE", SECRETS_FILE))
        if not path.is_file():
            return {}
        data = {k.upper(): v for k, v in tomllib.loads(path.read_text()).items()}
        out: dict[str, Any] = {}
        for name, field in self.settings_cls.model_fields.items():
            key = env_name(name, field)
            if key in data:
                out[name] = data[key]
        return out


def _alias(env: str) -> Any:
    return AliasChoices(env)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PERFORMATE_", extra="ignore", populate_by_name=True)

    # storage
    data_dir: Path = Field(Path("./data"), description="Directory for the SQLite database, local videos, frames and backups.")
    s3_bucket: str | None = Field(None, description="S3 bucket for videos and frames; unset means local disk under the data dir.")
    s3_prefix: str = Field("", description="Key prefix inside the bucket (e.g. 'performate/').")
    s3_endpoint_url: str | None = Field(None, description="S3-compatible endpoint (MinIO, R2, moto); unset means AWS.")
    s3_region: str | None = Field(None, description="Region for the S3 client; unset uses boto3's own chain (AWS_DEFAULT_REGION).")
    # analysis
    analyzer: Literal["auto", "offline", "vision"] = Field("auto", description="auto: vision when an OpenAI key or base URL is set, else offline.")
    openai_api_key: SecretStr | None = Field(None, validation_alias=_alias("OPENAI_API_KEY"), description="API key for the vision model (OpenAI or compatible).")
    openai_base_url: str | None = Field(None, validation_alias=_alias("OPENAI_BASE_URL"), description="OpenAI-compatible endpoint, e.g. a local vision model server.")
    vision_model: str = Field("gpt-4o-mini", description="Vision model name used for coaching.")
    vision_max_images: int = Field(6, ge=1, le=16, description="Key frames sent per vision request (each at detail low).")
    vision_timeout_s: float = Field(60.0, gt=0, description="Timeout of one vision request in seconds.")
    vision_daily_budget_usd: float = Field(5.0, ge=0, description="Daily spend cap for vision calls; past it analyses complete offline-only (degraded).")
    vision_price_in_per_mtok: float = Field(0.15, ge=0, description="USD per million input tokens, for the cost estimate.")
    vision_price_out_per_mtok: float = Field(0.60, ge=0, description="USD per million output tokens, for the cost estimate.")
    analysis_fps: float = Field(8.0, gt=0, le=30, description="Frames per second sampled for pose analysis. The analysis is measured at 8 (`make eval`); at 12 the altered copies read worse.")
    key_frames: int = Field(10, ge=2, le=24, description="Display key frames chosen by movement.")
    frame_max_side: int = Field(960, ge=160, le=2048, description="Sampled frames are downscaled to this many pixels on the long side.")
    pose_processes: int = Field(0, ge=0, le=16, description="Processes running pose per analysis; 0 shares the cores among the inline workers.")
    language: Literal["en", "de"] = Field("en", description="Default language of the coaching text (en or de).")
    # policy
    max_upload_mb: int = Field(120, gt=0, description="Largest accepted video in MB.")
    max_duration_s: float = Field(600.0, gt=0, description="Longest accepted video in seconds.")
    min_duration_s: float = Field(1.0, ge=0, description="Shortest accepted video in seconds.")
    min_side_px: int = Field(64, ge=1, description="Smallest accepted width or height in pixels.")
    max_side_px: int = Field(4096, ge=64, description="Largest accepted width or height in pixels.")
    max_fps: float = Field(240.0, gt=0, description="Highest accepted frame rate.")
    allowed_codecs: str = Field("h264,hevc,vp8,vp9,av1", description="Comma-separated accepted video codecs (what OpenCV cannot decode, AV1, is decoded through PyAV).")
    allowed_containers: str = Field("mp4,mov,webm,mkv", description="Comma-separated accepted containers, decided by magic bytes.")
    # jobs
    executor: Literal["inline", "celery"] = Field("inline", description="inline: workers inside the web process; celery: remote workers via Redis.")
    broker_url: str = Field("redis://127.0.0.1:6379/0", description="Celery broker URL (Redis) for the celery executor.")
    workers: int = Field(1, ge=0, le=16, description="Inline worker threads (each runs one analysis at a time in a child process).")
    max_attempts: int = Field(3, ge=1, le=20, description="Attempts per analysis before it stays failed (dead letter).")
    retry_base_s: float = Field(5.0, ge=0, description="First retry delay in seconds; doubles each attempt, with jitter.")
    lease_s: float = Field(60.0, gt=0, description="Lease length of a claimed job; a worker heart-beats well within it.")
    job_timeout_s: float = Field(900.0, gt=0, description="Deadline of one attempt in seconds.")
    job_memory_mb: int = Field(4096, ge=256, description="Address-space limit of the child process running one attempt.")
    # access
    session_days: float = Field(30.0, gt=0, description="How long a browser stays signed in (days) before it asks again.")
    oidc_new_users: Literal["climber", "refuse"] = Field("climber", description="Someone the identity provider ([auth] in secrets.toml) signs in without an account: climber creates a climber account, refuse turns them away.")
    api_token: SecretStr | None = Field(None, description="Service bearer token for the /api routes (acts as the operator); unset disables it.")
    # operations
    alert_webhook: str | None = Field(None, description="Slack-compatible webhook URL that receives alerts on firing and resolve.")
    canary_video: str | None = Field(None, description="Storage reference of the clip the end-to-end canary analyses.")
    health_interval_s: float = Field(900.0, gt=0, description="Seconds between scheduled health checks.")
    retention_days: int = Field(0, ge=0, description="Delete videos older than this many days (0 keeps them).")
    retention_whole_analyses: bool = Field(False, description="With a retention period, delete whole analyses past it, not only their videos.")
    backups_kept: int = Field(7, ge=1, description="Nightly database backups kept in storage.")
    log_level: str = Field("INFO", description="Log level of the JSON logs.")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _SecretsToml(settings_cls))

    # derived values
    @property
    def codecs(self) -> frozenset[str]:
        return frozenset(c.strip().lower() for c in self.allowed_codecs.split(",") if c.strip())

    @property
    def containers(self) -> frozenset[str]:
        return frozenset(c.strip().lower() for c in self.allowed_containers.split(",") if c.strip())

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    @property
    def db_path(self) -> Path:
        return self.data_dir / "performate.db"

    @property
    def work_dir(self) -> Path:
        return self.data_dir / "work"

    @property
    def vision_configured(self) -> bool:
        return bool(self.openai_api_key or self.openai_base_url)

    @property
    def pose_workers(self) -> int:
        return self.pose_processes or max(1, (os.cpu_count() or 1) // max(1, self.workers))

    def secret_values(self) -> list[str]:
        """Configured secrets, for redaction."""
        out = []
        for v in (self.openai_api_key, self.api_token):
            if v is not None and v.get_secret_value():
                out.append(v.get_secret_value())
        for k in ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            if os.environ.get(k):
                out.append(os.environ[k])
        return out


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    """Forget the cached settings (tests, and the CLI after changing the environment)."""
    get_settings.cache_clear()
