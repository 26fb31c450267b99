"""Generated test clips (ffmpeg from imageio-ffmpeg). Never commit video files."""
from __future__ import annotations

import subprocess
from pathlib import Path

import imageio_ffmpeg

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
DATA = Path(__file__).resolve().parent / "data"
VIDEOS = DATA / "videos"  # the two real clips travel with the repo (attribution: VIDEOS / "SOURCES.md")
REAL_FIXED = VIDEOS / "boulder_gym_fixed_camera_single_climber.mp4"
REAL_HANDHELD = VIDEOS / "boulder_overhang_handheld_camera_h264_10bit.mp4"


def ffmpeg(*args: str) -> None:
    subprocess.run([FFMPEG, "-y", "-hide_banner", "-loglevel", "error", *args], check=True, timeout=300)


def testsrc(size: str, rate: str, duration: float) -> list[str]:
    return ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}:duration={duration}"]


def make_clips(d: Path) -> dict[str, Path]:
    d.mkdir(parents=True, exist_ok=True)
    c: dict[str, Path] = {}
    c["h264"] = d / "h264.mp4"
    ffmpeg(*testsrc("640x480", "30", 3), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(c["h264"]))
    # HEVC landscape-coded with a -90 display rotation: shown as portrait 480x640.
    plain = d / "hevc-plain.mp4"
    ffmpeg(*testsrc("640x480", "30", 2), "-c:v", "libx265", "-preset", "ultrafast", "-tag:v", "hvc1",
           "-x265-params", "log-level=error", str(plain))
    c["hevc_rot"] = d / "hevc_rotated.mov"
    ffmpeg("-display_rotation:v:0", "-90", "-i", str(plain), "-c", "copy", str(c["hevc_rot"]))
    # VFR WebM: drop frames unevenly so timestamps are irregular.
    c["vfr_webm"] = d / "vfr.webm"
    ffmpeg(*testsrc("320x240", "30", 4), "-vf", r"select='lt(mod(n\,10)\,4)+between(n\,40\,60)'",
           "-fps_mode", "vfr", "-c:v", "libvpx", "-b:v", "300k", "-deadline", "realtime", str(c["vfr_webm"]))
    c["fps5994"] = d / "ntsc.mp4"
    ffmpeg(*testsrc("320x240", "60000/1001", 2), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(c["fps5994"]))
    c["long"] = d / "eleven_minutes.mp4"
    ffmpeg(*testsrc("96x64", "1", 660), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(c["long"]))
    c["zero"] = d / "zero.mp4"
    c["zero"].write_bytes(b"")
    c["truncated"] = d / "truncated.mp4"
    data = c["h264"].read_bytes()
    c["truncated"].write_bytes(data[: len(data) // 2])
    c["text"] = d / "notes.mp4"
    c["text"].write_text("this is not a video\n" * 50)
    c["png"] = d / "picture.mov"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=64x64:duration=1", "-frames:v", "1", "-f", "image2", "-c:v", "png", str(c["png"]))
    return c


def two_climbers(out: Path) -> Path:
    """Two climbers side by side on one wall: the fixed clip whole on the left (on the wall from
    1.4 s to 13.4 s), and on the right the same wall mirrored from 9 s on (on the wall about 4 s,
    then standing on the mat). 960 x 640, H.264."""
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        ffmpeg("-i", str(REAL_FIXED), "-ss", "9", "-i", str(REAL_FIXED), "-filter_complex",
               "[0:v]scale=480:640,setsar=1[a];[1:v]scale=480:640,setsar=1,hflip,tpad=stop_mode=clone:stop_duration=15[b];"
               "[a][b]hstack=inputs=2,format=yuv420p[v]", "-map", "[v]", "-t", "15", "-an", "-c:v", "libx264",
               "-preset", "veryfast", "-crf", "26", str(out))
    return out
