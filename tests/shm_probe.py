"""A pose worker attaching to a frame segment, then exiting: does the segment outlive it?

Run by tests/test_frames.py in a fresh process (the resource tracker must not be running yet, as in
an analysis' attempt process). Prints "exists" or "gone", then the tracker counts.
    python tests/shm_probe.py plain|attach
"""
from __future__ import annotations

import glob
import multiprocessing as mp
import os
import sys
import time
from multiprocessing import shared_memory

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from core.analysis.pose import attach  # noqa: E402


def trackers() -> int:
    """Resource tracker processes running now."""
    n = 0
    for path in glob.glob("/proc/[0-9]*/cmdline"):
        try:
            with open(path, "rb") as f:
                n += b"resource_tracker" in f.read()
        except OSError:
            pass
    return n


def worker(conn, how: str) -> None:  # noqa: ANN001
    name = conn.recv()
    shm = attach(name) if how == "attach" else shared_memory.SharedMemory(name=name)
    shm.close()
    conn.send("closed")


def main(how: str) -> None:
    ctx = mp.get_context("fork")
    mine, theirs = ctx.Pipe()
    proc = ctx.Process(target=worker, args=(theirs, how))
    proc.start()  # forked before this process' tracker runs, as PoseStream's workers are
    shm = shared_memory.SharedMemory(create=True, size=1024)
    base = trackers()
    mine.send(shm.name)
    mine.recv()
    proc.join()
    deadline = time.monotonic() + 20
    while trackers() > base and time.monotonic() < deadline:  # the worker's own tracker finishing
        time.sleep(0.05)
    print("exists" if os.path.exists("/dev/shm/" + shm.name.lstrip("/")) else "gone", base, trackers())
    shm.close()
    try:
        shm.unlink()
    except FileNotFoundError:
        pass


if __name__ == "__main__":
    main(sys.argv[1])
