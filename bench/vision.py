"""Vision request shape from the requests a local stub receives for the real clips: images per
analysis, their detail, image tokens by the published rule, against the old design (one call per
frame at detail high, full-size frames)."""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile

from bench.common import ROOT, real_clips, table
from tests.openai_stub import Stub

LOW = 85


def high_detail_tokens(w: int, h: int) -> int:
    """OpenAI's rule: fit in 2048x2048, shortest side to 768, then 85 + 170 per 512 px tile."""
    s = min(1.0, 2048 / max(w, h))
    w, h = w * s, h * s
    s = 768 / min(w, h) if min(w, h) > 768 else 1.0
    w, h = w * s, h * s
    return 85 + 170 * math.ceil(w / 512) * math.ceil(h / 512)


def main() -> list[str]:
    stub = Stub().start()
    rows, lines = [], []
    try:
        for name, clip in real_clips().items():
            before = len(stub.chat_requests())
            env = {**os.environ, "PERFORMATE_DATA_DIR": tempfile.mkdtemp(prefix="bench-vision-"),
                   "OPENAI_API_KEY": "sk-bench", "OPENAI_BASE_URL": stub.base_url, "PERFORMATE_VISION_MODEL": "stub-vision"}
            r = subprocess.run([sys.executable, "-m", "core", "analyze", str(clip), "--analyzer", "vision", "--no-replay"],
                               cwd=ROOT, env=env, capture_output=True, text=True)
            rec = json.loads(r.stdout)
            reqs = stub.chat_requests()[before:]
            images = [p for q in reqs for m in q["body"]["messages"] for p in (m["content"] if isinstance(m["content"], list) else [])
                      if p.get("type") == "image_url"]
            details = sorted({p["image_url"]["detail"] for p in images})
            ours = len(images) * LOW
            w, h = rec["video"]["width"], rec["video"]["height"]
            frames_old = len(rec["key_frames"])
            old = frames_old * high_detail_tokens(w, h)
            rows.append([name, len(reqs), len(images), ",".join(details), ours, frames_old, frames_old, old, old / max(ours, 1)])
            lines.append(f"vision {name}: {len(reqs)} request, {len(images)} images at {','.join(details)} = {ours} image "
                         f"tokens vs {old} for {frames_old} calls at high detail ({old / max(ours, 1):.1f}x)")
    finally:
        stub.stop()
    print("## Vision request shape (stub-recorded), image tokens by the published rule")
    print(table(rows, ["clip", "requests", "images", "detail", "image tokens", "old frames", "old calls",
                       "old image tokens", "old/ours"]))
    return lines


if __name__ == "__main__":
    main()
