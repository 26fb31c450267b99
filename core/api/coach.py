"""What a coach does: one climber over time, two attempts side by side."""
from __future__ import annotations

from typing import Any

from core.accounts import User
from core.api.results import jobs, owners, visible
from core.api.uploads import recent
from core.api.vocab import HIGHER_IS_BETTER
from core.errors import ErrorCode, PipelineError
from core.jobs import Status

__all__ = ["trend", "completed_options", "compare", "aligned_frames"]


def trend(viewer: User, climber: str | None = None, route: str | None = None, grade: str | None = None) -> list[dict[str, Any]]:
    """Completed sessions ``viewer`` may see, in time order, with the headline metrics flattened."""
    out = []
    for r in jobs().completed(climber, route, grade, owners(viewer)):
        m = r.get("metrics") or {}
        row: dict[str, Any] = {k: r.get(k) for k in ("analysis_id", "created_at", "climber", "route_name", "grade",
                                                     "performance_score")}
        row.update({k: m.get(k) for k in HIGHER_IS_BETTER if k in m})
        for p in r.get("technique_points") or []:
            row[f"area_{p['area']}"] = p["score"] if p.get("assessed") else None
        out.append(row)
    return out


def completed_options(viewer: User) -> list[dict[str, Any]]:
    return [{"analysis_id": r["analysis_id"],
             "label": f"{r.get('climber') or 'anonymous'} - {r.get('route_name') or 'route'} {r.get('grade') or ''} "
                      f"({(r.get('created_at') or '')[:16].replace('T', ' ')})"}
            for r in recent(viewer, 200) if r["status"] == Status.COMPLETED]


def compare(viewer: User, a: str, b: str) -> dict[str, Any]:
    """Two attempts side by side: metric deltas with which is better, key frames aligned by progress."""
    ra, rb = visible(a, viewer), visible(b, viewer)
    if not ra or not rb:
        raise PipelineError(ErrorCode.VIDEO_NOT_FOUND, "analysis not found")
    rows = []
    for k, higher in HIGHER_IS_BETTER.items():
        va = ra.get(k) if k == "performance_score" else (ra.get("metrics") or {}).get(k)
        vb = rb.get(k) if k == "performance_score" else (rb.get("metrics") or {}).get(k)
        if va is None or vb is None:
            continue
        better = "=" if va == vb else ("A" if (va > vb) == higher else "B")
        rows.append({"metric": k, "A": va, "B": vb, "delta (B-A)": round(vb - va, 3), "better": better})
    return {"a": ra, "b": rb, "rows": rows, "frames": aligned_frames(dict(ra), dict(rb))}


def aligned_frames(ra: dict[str, Any], rb: dict[str, Any], n: int = 5) -> list[tuple[dict[str, Any] | None, dict[str, Any] | None]]:
    """Pairs of key frames at the same progress (0-100%) through each climb."""
    def at(rec: dict[str, Any], q: float) -> dict[str, Any] | None:
        kf = rec.get("key_frames") or []
        win = (rec.get("route_analysis") or {}).get("climb_window") or {}
        if not kf:
            return None
        a, b = win.get("start", kf[0]["time"]), win.get("end", kf[-1]["time"])
        target = a + q * (b - a)
        return min(kf, key=lambda k: abs(k["time"] - target))

    return [(at(ra, q), at(rb, q)) for q in [i / (n - 1) for i in range(n)]]
