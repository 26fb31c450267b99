"""Local-disk VideoStore under ``<data_dir>/blobs``."""
from __future__ import annotations

import errno
import os
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

from core.errors import ErrorCode, PipelineError
from core.storage.base import VideoStore, check_key

CHUNK = 1024 * 1024


class LocalStore(VideoStore):
    name = "local"

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        p = (self.root / check_key(key)).resolve()
        if self.root not in p.parents:
            raise PipelineError(ErrorCode.VIDEO_NOT_FOUND, "key outside the store")
        return p

    def put(self, src: BinaryIO | Path, key: str, *, content_type: str | None = None) -> str:
        dst = self._path(key)
        try:
            dst.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=dst.parent, prefix=".part-")
            try:
                with os.fdopen(fd, "wb") as out:
                    if isinstance(src, (str, Path)):
                        with open(src, "rb") as f:
                            shutil.copyfileobj(f, out, CHUNK)
                    else:
                        shutil.copyfileobj(src, out, CHUNK)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(tmp, dst)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise PipelineError(ErrorCode.STORAGE_FULL, f"no space left writing {key}") from exc
            raise PipelineError(ErrorCode.STORAGE_UNAVAILABLE, f"{type(exc).__name__} writing {key}") from exc
        return self.ref(key)

    def download(self, key: str, dst: BinaryIO) -> int:
        p = self._path(key)
        try:
            with open(p, "rb") as f:
                n = 0
                while chunk := f.read(CHUNK):
                    dst.write(chunk)
                    n += len(chunk)
                return n
        except FileNotFoundError as exc:
            raise PipelineError(ErrorCode.VIDEO_NOT_FOUND, f"no object at {key}") from exc
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise PipelineError(ErrorCode.STORAGE_FULL, "no space left for the temporary copy") from exc
            raise PipelineError(ErrorCode.STORAGE_UNAVAILABLE, f"{type(exc).__name__} reading {key}") from exc

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def size(self, key: str) -> int:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError as exc:
            raise PipelineError(ErrorCode.VIDEO_NOT_FOUND, f"no object at {key}") from exc

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def list(self, prefix: str) -> list[str]:
        base = self.root / prefix.rstrip("/") if prefix else self.root
        if base.is_file():
            return [prefix]
        if not base.is_dir():
            return []
        return sorted(
            str(p.relative_to(self.root)) for p in base.rglob("*") if p.is_file() and not p.name.startswith(".part-")
        )

    def ref(self, key: str) -> str:
        return check_key(key)

    def url(self, key: str, expires_s: int = 3600) -> str | None:
        return None

    def local_path(self, key: str) -> Path | None:
        p = self._path(key)
        return p if p.is_file() else None
