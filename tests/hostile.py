"""Generate hostile and odd video files from a few valid seeds (deterministic: seeded RNG)."""
from __future__ import annotations

import random
import struct
from pathlib import Path

from tests.media import ffmpeg, testsrc


def _patch_box(data: bytes, box: bytes, offset: int, value: bytes) -> bytes:
    """Overwrite ``value`` at ``offset`` bytes after the first occurrence of a box type."""
    i = data.find(box)
    if i < 0:
        return data
    j = i + offset
    return data[:j] + value + data[j + len(value):]


def make_hostile(d: Path, seeds: dict[str, Path]) -> list[tuple[str, Path]]:
    """Returns (kind, path) for every generated file; at least 200."""
    rng = random.Random(20251023)
    d.mkdir(parents=True, exist_ok=True)
    out: list[tuple[str, Path]] = []

    def add(kind: str, name: str, data: bytes) -> None:
        p = d / name
        p.write_bytes(data)
        out.append((kind, p))

    mp4 = seeds["h264"].read_bytes()
    webm = seeds["vfr_webm"].read_bytes()
    mov = seeds["hevc_rot"].read_bytes()
    for n in range(50):  # cut at random offsets
        src, ext = [(mp4, "mp4"), (webm, "webm"), (mov, "mov")][n % 3]
        add("cut", f"cut_{n}.{ext}", src[: rng.randrange(1, len(src))])
    for n in range(30):  # random bytes behind a valid header
        src, ext = [(mp4, "mp4"), (webm, "webm"), (mov, "mov")][n % 3]
        keep = rng.randrange(8, 200)
        add("garbage_tail", f"tail_{n}.{ext}", src[:keep] + rng.randbytes(rng.randrange(100, 200_000)))
    for n in range(50):  # bit flips inside a valid file
        src, ext = [(mp4, "mp4"), (webm, "webm"), (mov, "mov")][n % 3]
        b = bytearray(src)
        for _ in range(rng.choice([1, 5, 50, 500])):
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
        add("bitflip", f"flip_{n}.{ext}", bytes(b))
    for n, (w, h) in enumerate([(65535, 65535), (0, 0), (1, 65535), (40000, 2), (65535, 1)]):  # huge dimensions
        data = _patch_box(mp4, b"avc1", 28, struct.pack(">HH", w, h))
        data = _patch_box(data, b"tkhd", 80, struct.pack(">II", w << 16, h << 16))
        add("huge_dims", f"dims_{n}.mp4", data)
    for n, ts in enumerate([0, 1, 0xFFFFFFFF]):  # zero / absurd time scales (zero fps)
        add("timescale", f"timescale_m_{n}.mp4", _patch_box(mp4, b"mdhd", 16, struct.pack(">I", ts)))
        add("timescale", f"timescale_v_{n}.mp4", _patch_box(mp4, b"mvhd", 16, struct.pack(">I", ts)))
    for n, (src, ext) in enumerate([(webm, "mp4"), (mp4, "webm"), (mov, "mkv"), (mp4, "mov"), (webm, "mov")]):
        add("wrong_ext", f"wrong_ext_{n}.{ext}", src)  # valid video, wrong extension: must still work
    add("empty", "zero.mp4", b"")
    for n in range(25):  # pure random
        add("random", f"random_{n}.mp4", rng.randbytes(rng.randrange(1, 100_000)))
    for n, blob in enumerate([b"\x89PNG\r\n\x1a\n" + rng.randbytes(500), b"\xff\xd8\xff\xe0" + rng.randbytes(500),
                              b"%PDF-1.7\n" + rng.randbytes(500), b"PK\x03\x04" + rng.randbytes(500),
                              b"GIF89a" + rng.randbytes(500), b"<html><script>alert(1)</script></html>",
                              b"RIFF\x00\x00\x00\x00AVI LIST", "äöü ✓ 🧗 \u202e".encode() * 50]):
        add("not_video", f"not_video_{n}.mp4", blob)
    # nested container tricks: an mp4 inside an mkv attachment; two ftyp boxes; an mp4 appended to a webm
    nested = d / "nested_attach.mkv"
    ffmpeg(*testsrc("96x64", "10", 1), "-attach", str(seeds["h264"]), "-metadata:s:t", "mimetype=video/mp4",
           "-c:v", "libvpx", "-deadline", "realtime", str(nested))
    out.append(("nested", nested))
    add("nested", "double_ftyp.mp4", mp4[:32] + mp4)
    add("nested", "webm_then_mp4.webm", webm + mp4)
    add("nested", "mp4_then_webm.mp4", mp4 + webm)
    add("nested", "mp4_in_mp4_mdat.mp4", mp4[:64] + mp4)
    # enormous metadata
    for n, size in enumerate([10_000, 300_000, 2_000_000]):
        p = d / f"meta_{n}.mp4"
        meta = d / f"meta_{n}.txt"
        meta.write_text(";FFMETADATA1\ncomment=" + ("A" * size) + "\ntitle=" + ("🧗" * 1000) + "\n")
        ffmpeg(*testsrc("96x64", "10", 1), "-f", "ffmetadata", "-i", str(meta), "-map_metadata", "1", "-map", "0",
               "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(p))
        out.append(("metadata", p))
    # many streams, a tall and thin video, an audio-only file named .mp4
    p = d / "audio_only.mp4"
    ffmpeg("-f", "lavfi", "-i", "sine=duration=2", "-c:a", "aac", str(p))
    out.append(("audio_only", p))
    p = d / "tall_thin.mp4"
    ffmpeg(*testsrc("64x4160", "5", 1), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(p))
    out.append(("too_big", p))
    p = d / "tiny.mp4"
    ffmpeg(*testsrc("32x32", "5", 2), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(p))
    out.append(("too_small", p))
    p = d / "fps_1000.mkv"
    ffmpeg(*testsrc("96x64", "1000", 1), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(p))
    out.append(("high_fps", p))
    for n in range(12):  # valid clips cut after the moov atom (faststart): a valid shorter video remains
        p = d / f"faststart_{n}.mp4"
        if n == 0:
            ffmpeg(*testsrc("160x120", "10", 3), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                   "-movflags", "+faststart", str(p))
            base = p.read_bytes()
        else:
            p.write_bytes(base[: int(len(base) * (0.3 + 0.05 * n))])
        out.append(("faststart_cut", p))
    return out
