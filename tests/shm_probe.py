"""Pose workers and the frame segments they read: run by tests/test_frames.py in a fresh process
(no resource tracker running yet, as in an analysis' attempt process).

    python tests/shm_probe.py late    # a worker forked before the tracker runs, reading one segment
    python tests/shm_probe.py early   # the same after pose.share_tracker()
    python tests/shm_probe.py stream  # a real PoseStream: how many trackers while a worker has read

Prints "exists" or "gone" (does the segment outlive the worker?) or the number of trackers.
"""
from __future__ import annotations

import glob
import multiprocessing as mp
import os
import sys
import time
from multiprocessing import resource_tracker, shared_memory

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import numpy as np  # noqa: E402

from core.analysis import pose  # noqa: E402


def trackers() -> set[int]:
    """Resource tracker processes started from this process or its children (its pose workers)."""
    parent: dict[int, int] = {}
    is_tracker: dict[int, bool] = {}
    for d in glob.glob("/proc/[0-9]*"):
        try:
            with open(f"{d}/stat") as f:
                stat = f.read()
            with open(f"{d}/cmdline", "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        pid = int(d.rsplit("/", 1)[1])
        parent[pid] = int(stat.rsplit(")", 1)[1].split()[1])
        is_tracker[pid] = b"resource_tracker" in cmd
    mine = {os.getpid()}
    grew = True
    while grew:
        new = {p for p, pp in parent.items() if pp in mine and p not in mine}
        mine |= new
        grew = bool(new)
    return {p for p in mine if is_tracker.get(p)}


def worker(conn) -> None:  # noqa: ANN001
    shm = shared_memory.SharedMemory(name=conn.recv())
    shm.close()
    conn.send(resource_tracker._resource_tracker._pid)  # the tracker this worker registered with


def one_segment(early: bool) -> None:
    if early:
        pose.share_tracker()
    ctx = mp.get_context("fork")
    mine, theirs = ctx.Pipe()
    proc = ctx.Process(target=worker, args=(theirs,))
    proc.start()
    shm = shared_memory.SharedMemory(create=True, size=1024)
    mine.send(shm.name)
    theirs_pid = mine.recv()
    proc.join()
    if theirs_pid != resource_tracker._resource_tracker._pid:  # the worker had a tracker of its own:
        deadline = time.monotonic() + 20  # wait for it to finish (it cleans up when the worker ends)
        while os.path.exists(f"/proc/{theirs_pid}") and time.monotonic() < deadline:
            time.sleep(0.05)
    print("exists" if os.path.exists("/dev/shm/" + shm.name.lstrip("/")) else "gone")
    shm.close()
    try:
        shm.unlink()
    except FileNotFoundError:
        pass


def stream() -> None:
    with pose.PoseStream(1) as ps:
        for i in range(pose.BLOCK):
            ps.put(i / 8, np.zeros((64, 64, 3), np.uint8))
        deadline = time.monotonic() + 60
        while not ps.blocks and time.monotonic() < deadline:  # the worker has read a segment
            ps._receive(timeout=1.0)
        print(len(trackers()))
        ps.finish()


if __name__ == "__main__":
    {"late": lambda: one_segment(False), "early": lambda: one_segment(True), "stream": stream}[sys.argv[1]]()
