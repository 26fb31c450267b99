"""Storage: the configured VideoStore, and ``resolve(ref)`` -> a local, readable file.

The system this replaces handed an S3 key to OpenCV (RCA 2025-10-23). Here nothing decodes a
reference: every consumer goes through ``resolve``, which accepts

- a local path (must be a file; when it came from a user it must sit inside the data dir),
- ``s3://bucket/key``,
- a bare key like ``videos/2025/10/09/abc.mp4`` (resolved against the configured store),
- an ``http(s)://`` URL (e.g. presigned), streamed with a size cap,

and yields a path that exists for the duration of the ``with`` block. Downloads stream in chunks
to a temp file under ``<data_dir>/tmp`` that is removed on success, error and interruption.
"""
from __future__ import annotations

import contextlib
import errno
import os
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from core.config import Settings, get_settings
from core.errors import ErrorCode, PipelineError
from core.storage.base import VideoStore, check_key, new_key
from core.storage.local import LocalStore
from core.storage.s3 import S3Store

__all__ = ["VideoStore", "get_store", "resolve", "new_key", "check_key", "split_ref", "redact_url", "store_for_ref"]

CHUNK = 1024 * 1024


def get_store(settings: Settings | None = None) -> VideoStore:
    s = settings or get_settings()
    if s.s3_bucket:
        return S3Store(s.s3_bucket, s.s3_prefix, s.s3_endpoint_url, s.s3_region)
    return LocalStore(s.data_dir / "blobs")


def redact_url(url: str) -> str:
    """Drop query and credentials (presigned signatures) from a URL for logs and errors."""
    p = urllib.parse.urlsplit(url)
    host = p.hostname or ""
    if p.port:
        host += f":{p.port}"
    return urllib.parse.urlunsplit((p.scheme, host, p.path, "", ""))


def split_ref(ref: str) -> tuple[str, str]:
    """Classify a reference: ('s3', ref) | ('http', ref) | ('path', path) | ('key', key)."""
    ref = ref.strip()
    if ref.startswith("s3://"):
        return "s3", ref
    if ref.startswith(("http://", "https://")):
        return "http", ref
    if ref.startswith("file://"):
        return "path", urllib.parse.unquote(urllib.parse.urlsplit(ref).path)
    p = Path(ref)
    if p.is_absolute() or ref.startswith(("./", "../")) or p.exists():
        return "path", ref
    return "key", ref


def store_for_ref(ref: str, settings: Settings | None = None) -> tuple[VideoStore, str]:
    """The store and key behind an ``s3://`` or bare-key reference."""
    s = settings or get_settings()
    kind, value = split_ref(ref)
    if kind == "s3":
        bucket, _, key = value[5:].partition("/")
        if not bucket or not key:
            raise PipelineError(ErrorCode.VIDEO_NOT_FOUND, "malformed s3:// reference")
        return S3Store(bucket, "", s.s3_endpoint_url, s.s3_region), key
    if kind == "key":
        store = get_store(s)
        key = check_key(value)
        if s.s3_bucket and s.s3_prefix and key.startswith(s.s3_prefix.strip("/") + "/"):
            key = key[len(s.s3_prefix.strip("/")) + 1:]
        return store, key
    raise PipelineError(ErrorCode.VIDEO_NOT_FOUND, f"not a storage reference: {kind}")


def _tmp_file(settings: Settings, suffix: str) -> tuple[int, Path]:
    tmp = settings.data_dir / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=tmp, prefix="resolve-", suffix=suffix)
    return fd, Path(name)


def _suffix(name: str) -> str:
    ext = Path(urllib.parse.urlsplit(name).path).suffix.lower()
    return ext if ext[1:].isalnum() and len(ext) <= 6 else ""


def _download_http(url: str, out: os.PathLike[str] | int, cap: int) -> None:
    shown = redact_url(url)
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers={"User-Agent": "performate"}), timeout=20) as r:
            declared = r.headers.get("Content-Length")
            if declared is not None and int(declared) > cap:
                raise PipelineError(ErrorCode.FILE_TOO_LARGE, f"{shown} declares {declared} bytes")
            n = 0
            with open(out, "wb", closefd=False) as f:
                while chunk := r.read(CHUNK):
                    n += len(chunk)
                    if n > cap:
                        raise PipelineError(ErrorCode.FILE_TOO_LARGE, f"{shown} is over {cap} bytes")
                    f.write(chunk)
            if declared is not None and n != int(declared):
                raise PipelineError(ErrorCode.DOWNLOAD_FAILED, f"got {n} of {declared} bytes from {shown}")
    except PipelineError:
        raise
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            raise PipelineError(ErrorCode.VIDEO_NOT_FOUND, f"HTTP 404 from {shown}") from None
        if exc.code in (401, 403):
            raise PipelineError(ErrorCode.STORAGE_ACCESS_DENIED, f"HTTP {exc.code} from {shown}") from None
        raise PipelineError(ErrorCode.STORAGE_UNAVAILABLE, f"HTTP {exc.code} from {shown}") from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        raise PipelineError(ErrorCode.STORAGE_UNAVAILABLE, f"{type(exc).__name__} from {shown}") from None
    except OSError as exc:
        raise PipelineError(ErrorCode.DOWNLOAD_FAILED, f"{type(exc).__name__} from {shown}") from None


@contextlib.contextmanager
def resolve(ref: str, settings: Settings | None = None, *, from_user: bool = False) -> Iterator[Path]:
    """Yield a local path for ``ref``; see the module docstring. Raises PipelineError."""
    s = settings or get_settings()
    kind, value = split_ref(ref)
    if kind == "path":
        p = Path(value).resolve()
        if from_user and s.data_dir.resolve() not in p.parents:
            raise PipelineError(ErrorCode.VIDEO_NOT_FOUND, "local paths must be inside the data dir")
        if not p.is_file():
            raise PipelineError(ErrorCode.VIDEO_NOT_FOUND, f"no file at {p.name}")
        yield p
        return
    if kind == "key":
        store, key = store_for_ref(value, s)
        local = store.local_path(key)
        if local is not None:
            yield local
            return
        if isinstance(store, LocalStore):
            raise PipelineError(ErrorCode.VIDEO_NOT_FOUND, f"no object at {key}")
    fd, tmp = _tmp_file(s, _suffix(value))
    try:
        try:
            if kind == "http":
                _download_http(value, fd, s.max_upload_bytes)
            else:
                store, key = store_for_ref(value, s)
                with open(fd, "wb", closefd=False) as f:
                    store.download(key, f)
        except OSError as exc:
            code = ErrorCode.STORAGE_FULL if exc.errno == errno.ENOSPC else ErrorCode.DOWNLOAD_FAILED
            raise PipelineError(code, f"{type(exc).__name__} writing the temporary copy") from exc
        finally:
            os.close(fd)
        yield tmp
    finally:
        tmp.unlink(missing_ok=True)
