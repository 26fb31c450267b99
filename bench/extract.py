"""Frame extraction: decode-only vs our one-pass sampling at 8 fps vs the naive per-frame seek.

Each measurement runs in its own process (wall time and peak RSS of that process). Ratios are
against the decode-only pass of the same clip, measured in the same run.
"""
from __future__ import annotations

from bench.common import clip_30s_1080p, real_clips, run_child, table

DECODE_ONLY = """
import cv2
cap = cv2.VideoCapture(sys.argv[1]); n = 0; t = time.perf_counter()
while cap.grab(): n += 1
_out = {"frames": n, "t": time.perf_counter() - t}
"""
OURS = """
from core.media.frames import sample, SampleStats
st = SampleStats(); t = time.perf_counter()
n = sum(1 for _ in sample(Path(sys.argv[1]), 8.0, 960, st))
_out = {"frames": st.decoded, "sampled": n, "t": time.perf_counter() - t}
"""
NAIVE = """
import cv2
cap = cv2.VideoCapture(sys.argv[1]); fps = cap.get(cv2.CAP_PROP_FPS); total = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
t = time.perf_counter(); n = 0; i = 0.0
while int(i) < total:
    cap.set(cv2.CAP_PROP_POS_FRAMES, int(i)); ok, img = cap.read()
    if ok:
        img = cv2.resize(img, (img.shape[1] // 2, img.shape[0] // 2)); n += 1
    i += fps / 8.0
_out = {"sampled": n, "t": time.perf_counter() - t}
"""


def main() -> list[str]:
    clips = {"generated 30s 1080p": clip_30s_1080p(), **real_clips()}
    rows = []
    for name, path in clips.items():
        d = run_child(DECODE_ONLY, str(path))
        o = run_child(OURS, str(path))
        nv = run_child(NAIVE, str(path))
        rows.append([name, d["frames"], o["sampled"], d["t"], o["t"], nv["t"], o["t"] / d["t"], nv["t"] / d["t"],
                     d["peak_mb"], o["peak_mb"], nv["peak_mb"]])
    print("## Frame extraction (8 fps sampling, 960 px)")
    print(table(rows, ["clip", "frames", "sampled", "decode s", "ours s", "seek s", "ours/decode", "seek/decode",
                       "decode MB", "ours MB", "seek MB"]))
    return [f"{r[0]}: ours/decode {r[6]:.2f}x, seek/decode {r[7]:.1f}x" for r in rows]


if __name__ == "__main__":
    main()
