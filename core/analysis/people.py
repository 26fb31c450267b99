"""Everyone seen in a clip, as people with one identity each over the whole clip, and which of
them is the climber.

The pose workers report every person in every frame (``Candidate``). Here they become people:

1. tracklets, frame to frame: a candidate continues the tracklet whose hip is nearest, if it is
   within a body's reach of it (torso lengths, growing with the time since) and looks alike
   (what they wear); matches are made cheapest first, so two people never share one;
2. identities: tracklets that follow each other in time (never overlap), start near where the
   other ended and look alike are one person, who left the view or was hidden for a moment;
3. the climber: by default the person on the wall longest (the climb window of each person's
   own track, found with the same rules as the analysis); the climber can pick another.

People are numbered in the order they first appear (1, 2, ...), as the overview image shows them.
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from core.analysis import metrics as M
from core.analysis import pose as P

#: Tracklets: a hip further than this many torso lengths (plus drift per second of gap) from where
#: the tracklet was is someone else; a tracklet unseen for longer than MAX_GAP_S has ended.
MAX_JUMP_TORSOS = 1.5
DRIFT_TORSOS_PER_S = 2.0
MAX_GAP_S = 1.0
#: A tracklet that comes within this many torso lengths of where another ended has arrived at its
#: place (see _taken_over): a hanging body's hip moves less than that in MAX_GAP_S.
ARRIVE_TORSOS = 1.0
#: Two looks (histograms summing to 1 per body part) are alike above this Bhattacharyya coefficient.
SAME_LOOK = 0.55
#: The person's size just after a gap: their median torso length over this many readings from it
#: (see fill_back).
SIZE_AFTER = 8
#: Identities: a tracklet may continue another that ended up to this long before.
MERGE_GAP_S = 4.0
#: A person seen in fewer than this many frames is not offered as the climber.
MIN_FRAMES = 6
#: Another person on the wall at least this share of the chosen one's time makes the choice unsure
#: (two climbers on one wall); the analysis' confidence is then multiplied by UNSURE_FACTOR.
RIVAL_SHARE = 0.8
UNSURE_FACTOR = 0.85
#: Someone else seen in at least this many times as many frames as the person chosen (the one on the
#: wall longest) flags the analysis: the climber may be the one seen all along whose time on the
#: wall was not measured (hanging under a roof in a turned picture reads as never leaving the floor),
#: and the one chosen someone seen for a moment.
SEEN_LONGER = 2.0


def likeness(a: np.ndarray, b: np.ndarray) -> float:
    """How alike two looks are (0-1, see pose.likeness); nothing to compare: taken as alike (position decides)."""
    got = P.likeness(a, b)
    return 0.6 if got is None else got


#: Landmark smoothing, as MediaPipe's video mode smooths its own (pose_landmark_filtering): a One
#: Euro filter on positions (scaled by the body's size) and a low-pass filter on visibility.
ONE_EURO = {"min_cutoff": 0.05, "beta": 80.0, "derivate_cutoff": 1.0}
#: MediaPipe's visibility filter keeps 0.9 of the old value per frame at 30 fps: a time constant of
#: about 0.3 s, kept the same at any sampling rate.
VISIBILITY_TAU_S = -1 / (30 * np.log(0.9))


def _alpha(cutoff: float, dt: float) -> float:
    tau = 1.0 / (2 * np.pi * cutoff)
    return 1.0 / (1.0 + tau / dt)


def smooth(lm: np.ndarray, t: np.ndarray) -> np.ndarray:
    """``lm`` (n, 33, 3) smoothed over each run of consecutive frames where the body is seen
    (MediaPipe's filters restart when the body is lost): positions through a One Euro filter, fast
    moves followed, jitter at rest removed; visibility through a low-pass filter."""
    out = lm.copy()
    seen = ~np.isnan(lm[:, P.L_HIP, 0])
    step = float(np.median(np.diff(t))) if len(t) > 1 else 1.0
    prev = None
    for i in range(len(lm)):
        if not seen[i]:
            prev = None
            continue
        if prev is None or t[i] - t[prev[0]] > 1.5 * step:
            prev = (i, lm[i, :, :2].copy(), lm[i, :, :2].copy(), np.zeros((33, 2)), lm[i, :, 2].copy())
            continue
        j, raw_prev, x_prev, dx_prev, vis_prev = prev
        dt = max(float(t[i] - t[j]), 1e-3)
        pts = lm[i, :, :2]
        span = np.nanmax(pts, axis=0) - np.nanmin(pts, axis=0)
        scale = 1.0 / max(float(span.mean()), 1e-6)  # value scale: 1 / the body's size
        dx = (pts - raw_prev) * scale / dt
        a_d = _alpha(ONE_EURO["derivate_cutoff"], dt)
        edx = a_d * dx + (1 - a_d) * dx_prev
        cutoff = ONE_EURO["min_cutoff"] + ONE_EURO["beta"] * np.abs(edx)
        a = 1.0 / (1.0 + (1.0 / (2 * np.pi * cutoff)) / dt)
        x = a * pts + (1 - a) * x_prev
        keep = float(np.exp(-dt / VISIBILITY_TAU_S))
        vis = (1 - keep) * lm[i, :, 2] + keep * vis_prev
        out[i, :, :2] = x
        out[i, :, 2] = vis
        prev = (i, pts.copy(), x, edx, vis)
    return out


@dataclass
class People:
    """Every candidate of a clip (arrays of length K) and the person each belongs to."""

    n_frames: int
    frame: np.ndarray  # (K,) frame index
    landmarks: np.ndarray  # (K, 33, 3)
    roi: np.ndarray  # (K, 4)
    presence: np.ndarray  # (K,)
    look: np.ndarray  # (K, LOOK_SIZE)
    source: list[str]
    person: np.ndarray = field(default_factory=lambda: np.zeros(0, int))  # (K,) 1-based, 0 = nobody
    reused: bool = False  # loaded from an earlier attempt (nothing tracked again)

    @classmethod
    def from_frames(cls, seen: list[list[P.Candidate]]) -> People:
        flat = [(i, c) for i, cs in enumerate(seen) for c in cs]
        return cls(
            n_frames=len(seen),
            frame=np.array([i for i, _c in flat], int),
            landmarks=np.array([c.landmarks for _i, c in flat], float).reshape(-1, 33, 3),
            roi=np.array([c.roi for _i, c in flat], np.float32).reshape(-1, 4),
            presence=np.array([c.presence for _i, c in flat], np.float32),
            look=np.array([c.look for _i, c in flat], np.float32).reshape(-1, P.LOOK_SIZE),
            source=[c.source for _i, c in flat],
            person=np.zeros(len(flat), int),
        )

    def extend(self, seen: list[tuple[int, P.Candidate]], person: int) -> None:
        """Add candidates (frame, candidate), all of ``person``."""
        by_frame: list[list[P.Candidate]] = [[] for _ in range(self.n_frames)]
        for f, c in seen:
            by_frame[f].append(c)
        more = People.from_frames(by_frame)
        for name in ("frame", "landmarks", "roi", "presence", "look"):
            setattr(self, name, np.concatenate([getattr(self, name), getattr(more, name)]))
        self.source = self.source + more.source
        self.person = np.concatenate([self.person, np.full(len(more.frame), person, int)])

    def save(self, path: Path) -> None:
        np.savez_compressed(path, n_frames=self.n_frames, frame=self.frame, landmarks=self.landmarks.astype(np.float32),
                            roi=self.roi, presence=self.presence, look=self.look.astype(np.float16),
                            source=np.array(self.source, dtype="U8"), person=self.person)

    @classmethod
    def load(cls, path: Path) -> People:
        d = np.load(path, allow_pickle=False)
        return cls(int(d["n_frames"]), d["frame"], d["landmarks"].astype(float), d["roi"], d["presence"],
                   d["look"].astype(np.float32), [str(s) for s in d["source"]], d["person"], reused=True)

    def without(self, frames: np.ndarray) -> People:
        """Everyone as seen outside ``frames`` (per frame, bool), not yet linked into people."""
        keep = ~frames[self.frame]
        return People(self.n_frames, self.frame[keep], self.landmarks[keep], self.roi[keep], self.presence[keep],
                      self.look[keep], [s for s, k in zip(self.source, keep) if k], np.zeros(int(keep.sum()), int),
                      self.reused)

    @property
    def count(self) -> int:
        return int(self.person.max()) if len(self.person) else 0

    def of(self, person: int, times: list[float] | np.ndarray | None = None) -> P.PoseResult:
        """The landmarks of one person, frame by frame (NaN where they are not seen); with
        ``times``, smoothed over each run of frames they are seen in (see ``smooth``)."""
        lm = np.full((self.n_frames, 33, 3), np.nan)
        source = [""] * self.n_frames
        for k in np.flatnonzero(self.person == person):
            lm[self.frame[k]] = self.landmarks[k]
            source[self.frame[k]] = self.source[k]
        return P.PoseResult(smooth(lm, np.asarray(times, float)) if times is not None else lm, source)

    def bodies(self) -> list[list[np.ndarray]]:
        """Per frame, the landmarks of everyone in it (the camera estimate looks past all of them)."""
        out: list[list[np.ndarray]] = [[] for _ in range(self.n_frames)]
        for k in range(len(self.frame)):
            out[self.frame[k]].append(self.landmarks[k])
        return out

    def boxes(self) -> list[list[tuple[float, float, float, float]]]:
        """Per frame, the box of everyone in it (the wall plate is made where nobody is)."""
        out: list[list[tuple[float, float, float, float]]] = [[] for _ in range(self.n_frames)]
        for k in range(len(self.frame)):
            out[self.frame[k]].append(P.bbox(self.landmarks[k]))
        return out


def _tracklets(people: People, times: np.ndarray, hips: np.ndarray, torsos: np.ndarray) -> list[list[int]]:
    """Candidate indices chained frame to frame, cheapest match first."""
    chains: list[list[int]] = []
    active: list[int] = []  # indices into chains
    by_frame: dict[int, list[int]] = {}
    for k, f in enumerate(people.frame):
        by_frame.setdefault(int(f), []).append(k)
    for f in sorted(by_frame):
        t = times[f]
        active = [c for c in active if t - times[people.frame[chains[c][-1]]] <= MAX_GAP_S]
        pairs = []
        for c in active:
            last = chains[c][-1]
            gap = t - times[people.frame[last]]
            scale = max(torsos[last], np.median(torsos[chains[c][-8:]]))
            for k in by_frame[f]:
                d = float(np.linalg.norm(hips[k] - hips[last])) / scale
                alike = likeness(people.look[k], people.look[last])
                if d <= MAX_JUMP_TORSOS + DRIFT_TORSOS_PER_S * gap and alike >= SAME_LOOK * 0.8:
                    pairs.append((d + (1.0 - alike), c, k))
        used_c: set[int] = set()
        used_k: set[int] = set()
        for _cost, c, k in sorted(pairs):
            if c not in used_c and k not in used_k:
                chains[c].append(k)
                used_c.add(c)
                used_k.add(k)
        for k in by_frame[f]:
            if k not in used_k:
                chains.append([k])
                active.append(len(chains) - 1)
    return chains


def _taken_over(people: People, t: np.ndarray, hips: np.ndarray, torsos: np.ndarray,
                chains: list[list[int]]) -> list[list[int]]:
    """Give a body back the tracklet that drifted onto it. A followed region can slide off one
    person onto another (a bystander's region, under a roof, pulled onto the climber by the body
    the landmark model reads across both); where it arrives, the two readings are one body, and
    the one kept goes on in the tracklet that slid, while the tracklet that was on that body all
    along ends. So: tracklet A ends at frame k; B, seen at k further than MAX_JUMP_TORSOS from A
    (A's size), is within ARRIVE_TORSOS of A's last place within MAX_GAP_S after k, nearer to it
    than to where B itself was at k, and is of A's size and look more than of B's before k (a body
    keeps its size; one read across two is larger than either): B after k is A.
    Where someone else's tracklet just ends beside the climber, or the climber walks off (not onto
    where the other was), nothing is changed."""
    frame = people.frame
    out = [list(c) for c in chains]
    for a in out:
        if not a:
            continue
        k, last = int(frame[a[-1]]), a[-1]
        size = float(np.median(torsos[a[-SIZE_AFTER:]]))
        for b in out:
            at_k = [j for j in b if int(frame[j]) == k]
            after = [j for j in b if int(frame[j]) > k]
            if b is a or not at_k or not after:
                continue
            here = hips[at_k[0]]
            if float(np.linalg.norm(here - hips[last])) <= MAX_JUMP_TORSOS * size:
                continue  # beside A already: one of two readings of one body ending, not a drift
            soon = [j for j in after if t[frame[j]] - t[k] <= MAX_GAP_S + 1e-6]
            arrived = any(float(np.linalg.norm(hips[j] - hips[last])) <= ARRIVE_TORSOS * size
                          and float(np.linalg.norm(hips[j] - hips[last])) < float(np.linalg.norm(hips[j] - here))
                          for j in soon)
            if not arrived:
                continue
            before = [j for j in b if int(frame[j]) <= k]
            # ... and keeps A's size rather than B's (a reading across two bodies is larger than either)
            sizes = [float(np.log(np.median(torsos[c]))) for c in (a, before, after)]
            cont = _mean_look(people, after)
            if abs(sizes[2] - sizes[0]) < abs(sizes[2] - sizes[1]) and \
                    likeness(cont, _mean_look(people, a)) > likeness(cont, _mean_look(people, before)):
                a.extend(after)
                b[:] = before
                break
    return [c for c in out if c]


def _mean_look(people: People, chain: list[int]) -> np.ndarray:
    looks = people.look[chain]
    half = looks.shape[1] // 2
    out = []
    for sl in (slice(0, half), slice(half, None)):
        part = looks[:, sl]
        shown = part[part.sum(axis=1) > 0]
        out.append(shown.mean(axis=0) if len(shown) else np.zeros(part.shape[1], np.float32))
    return np.concatenate(out)


def link(people: People, times: list[float] | np.ndarray, cuts: Collection[int] = ()) -> People:
    """Give every candidate its person (1-based, in order of first appearance); returns ``people``.
    At the frames in ``cuts`` the clip cuts to a view not placed on the one before (see
    camera.CameraMotion.cuts): across one, where someone was in the picture says nothing of where
    they are, and who is who is told by their look alone."""
    t = np.asarray(times, float)
    hips = np.array([P.hip_centre(lm) for lm in people.landmarks]).reshape(-1, 2)
    torsos = np.array([max(P.torso_length(lm), 1.0) for lm in people.landmarks])
    chains = _taken_over(people, t, hips, torsos, _tracklets(people, t, hips, torsos))
    if not chains:
        people.person = np.zeros(len(people.frame), int)
        return people
    # longest tracklets first: they carry the surest look; shorter ones join them or stand alone
    order = sorted(range(len(chains)), key=lambda c: -len(chains[c]))
    groups: list[list[int]] = []
    for c in order:
        chain = chains[c]
        look_c = _mean_look(people, chain)
        best, best_cost = None, None
        for g in groups:
            members = [k for cc in g for k in chains[cc]]
            frames_g = {int(people.frame[k]) for k in members}
            if frames_g & {int(people.frame[k]) for k in chain}:
                continue  # seen at the same time: two people
            # the member tracklet that ends nearest before, or starts nearest after, this one
            gap, d = _nearest_end(people, t, hips, torsos, [chains[cc] for cc in g], chain, cuts)
            if gap > MERGE_GAP_S or d > MAX_JUMP_TORSOS + DRIFT_TORSOS_PER_S * gap:
                continue
            alike = likeness(look_c, _mean_look(people, members))
            if alike < SAME_LOOK:
                continue
            cost = d + (1.0 - alike)
            if best_cost is None or cost < best_cost:
                best, best_cost = g, cost
        if best is None:
            groups.append([c])
        else:
            best.append(c)
    def first_seen(g: list[int]) -> tuple[int, float]:  # first frame, then left to right
        k = min((k for cc in g for k in chains[cc]), key=lambda k: int(people.frame[k]))
        return int(people.frame[k]), float(hips[k][0])

    firsts = sorted(groups, key=first_seen)
    person = np.zeros(len(people.frame), int)
    for n, g in enumerate(firsts, start=1):
        for cc in g:
            person[chains[cc]] = n
    people.person = person
    return people


#: follows ``person`` from the first frame of a stretch back through the frames before it, which
#: yields (frame, candidate) while it reads them (see pose.follow_back)
Follow = Callable[[int, np.ndarray, range], Iterator[tuple[int, P.Candidate]]]


def fill_back(people: People, person: int, follow: Follow) -> int:
    """``person`` read in the frames they are not seen in before each stretch they are seen in (the
    clip's first moments, a gap), followed back from its first frame. The tracker follows people
    forward in time only: a climber the detector found a second into the clip, or whose region held
    a body read across them and the crowd until a frame read them right, is missing before. A
    reading is taken while it looks like the person (see _while_alike); another person's candidate that is
    the same body in that frame (the misreading) is no longer theirs. Before the gap, the person's
    own reading is replaced while the body followed back keeps the size they have just after the
    gap (within KEEPS_SIZE; see _size_after) and it does not: the tracker's chain went from a body
    of another size to the person across the gap. Where the follower stops, the rest of that body,
    where it strays from that size by over STRAYS_SIZE, is no one's either. Returns the frames
    added."""
    mine = np.flatnonzero(people.person == person)
    if not len(mine):
        return 0
    seen = np.zeros(people.n_frames, bool)
    seen[people.frame[mine]] = True
    at = {int(people.frame[k]): int(k) for k in mine}
    wears = _mean_look(people, list(mine))
    added: list[tuple[int, P.Candidate]] = []
    gaps = list(M.runs(~seen))
    for g, (_s0, e0) in enumerate(gaps):
        if e0 >= people.n_frames:
            continue  # nothing after the gap to follow back from
        # through the gap, and on into the stretch the tracker followed before it (back to the gap
        # before that): there its reading is replaced where the body followed back keeps the
        # person's size after the gap and it does not (a body read across the climber and the crowd
        # in the clip's first second, followed by the tracker until a frame read the climber right:
        # up to three times their size, and in one frame 1.8 times)
        floor = gaps[g - 1][1] if g else 0
        strayed, usual = e0, _size_after(people, at, e0)
        for f, c in _while_alike(follow(e0, people.roi[at[e0]], range(e0 - 1, floor - 1, -1)), wears):
            if seen[f]:
                if not (_strays(people.landmarks[at[f]], usual, P.KEEPS_SIZE) and not _strays(c.landmarks, usual, P.KEEPS_SIZE)):
                    break  # the tracker's reading is as likely the person
                people.person[at[f]] = 0
                strayed = f
            added.append((f, c))
        # where following back stopped, the body of another size the tracker followed there is
        # still not the person
        for f in range(strayed - 1, floor - 1, -1) if strayed < e0 else ():
            if not _strays(people.landmarks[at[f]], usual):
                break
            people.person[at[f]] = 0
    for f, c in added:
        for k in np.flatnonzero((people.frame == f) & (people.person > 0)):
            if P.same_body(people.landmarks[k], c.landmarks):
                people.person[k] = 0
    people.extend(added, person)
    return len(added)


def _while_alike(read: Iterator[tuple[int, P.Candidate]], wears: np.ndarray) -> Iterator[tuple[int, P.Candidate]]:
    """The readings of a body followed back while they look like the person (SAME_LOOK): one reading
    unlike them between two alike is theirs too (a body a few dozen pixels long, turning, is a few
    hundred pixels of colour, and one frame's may be mostly the crowd behind); two running unlike
    them are someone else's, and it stops there."""
    unlike: tuple[int, P.Candidate] | None = None
    for f, c in read:
        if likeness(c.look, wears) < SAME_LOOK:
            if unlike is not None:
                return
            unlike = (f, c)
            continue
        if unlike is not None:
            yield unlike
            unlike = None
        yield f, c


def _size_after(people: People, at: dict[int, int], f: int) -> float:
    """The person's torso length (pixels) as they are seen from frame ``f`` on: the median over
    their next SIZE_AFTER readings (under a roof the torso's length changes twofold as the body
    swings, so their size over the whole clip says little about it at one moment)."""
    mine = [at[k] for k in sorted(at) if k >= f][:SIZE_AFTER]
    return float(np.median([P.torso_length(people.landmarks[k]) for k in mine]))


def _strays(lm: np.ndarray, torso: float, by: float = P.STRAYS_SIZE) -> bool:
    """Is the torso of ``lm`` more than ``by`` times larger or smaller than ``torso`` (pixels)?"""
    return P.size_change(lm, torso) > by


def _nearest_end(people: People, t: np.ndarray, hips: np.ndarray, torsos: np.ndarray,
                 members: list[list[int]], chain: list[int], cuts: Collection[int] = ()) -> tuple[float, float]:
    """Time gap and hip distance (torso lengths) between ``chain`` and the nearest of ``members``
    in time, end to start either way; no distance across a frame in ``cuts`` (see link)."""
    best = (float("inf"), float("inf"))
    first, last = chain[0], chain[-1]
    f0, f1 = int(people.frame[first]), int(people.frame[last])
    for m in members:
        # the member's last candidate before this chain begins, and its first after it ends: a
        # chain may fill a gap inside another (a moment the tracklet skipped), not only follow it
        before = [k for k in m if int(people.frame[k]) < f0]
        after = [k for k in m if int(people.frame[k]) > f1]
        pairs = ([(before[-1], first)] if before else []) + ([(last, after[0])] if after else [])
        for a, b in pairs:
            gap = float(t[people.frame[b]] - t[people.frame[a]])
            d = float(np.linalg.norm(hips[b] - hips[a])) / max(torsos[a], torsos[b])
            if any(int(people.frame[a]) < c <= int(people.frame[b]) for c in cuts):
                d = 0.0
            if gap < best[0]:
                best = (gap, d)
    return best


@dataclass
class Person:
    number: int
    frames: int
    first_t: float
    on_wall_s: float
    window: tuple[float, float] | None
    #: which way is down for this person's own body, where it says so surely (metrics.down_axis)
    down: np.ndarray | None = None
    #: seen this long never standing nor rising (metrics.ON_THE_WALL_THROUGHOUT): hanging on the wall
    #: all along, or sitting; not counted as time on the wall (the two look alike)
    hanging_s: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"person": self.number, "frames": self.frames, "first_t": round(self.first_t, 2),
                "on_wall_s": round(self.on_wall_s, 2), "hanging_s": round(self.hanging_s, 2),
                "window": [round(self.window[0], 2), round(self.window[1], 2)] if self.window else None}


def on_the_wall(people: People, times: list[float] | np.ndarray, transforms: np.ndarray, frame_w: int,
                frame_h: int) -> list[Person]:
    """Each person with how long they were on the wall: the climb window of their own track, found
    as the analysis finds it (feet off the floor, or a clear rise); standing or walking is 0 s."""
    out = []
    t = list(times)
    for n in range(1, people.count + 1):
        frames = int((people.person == n).sum())
        if not frames:
            continue  # what they were seen as was someone else's body, followed back (see fill_back)
        first = float(t[int(people.frame[people.person == n].min())])
        window: tuple[float, float] | None = None
        on_wall = hanging = 0.0
        down: np.ndarray | None = None
        if frames >= MIN_FRAMES:
            track = M.build_track(t, people.of(n, t).landmarks, transforms, frame_w, frame_h)
            a, b, how = M.climb_window(track)
            if how in (M.FROM_FLOOR, M.FROM_HIP, M.START_UNSURE, M.UP_UNSURE):
                window, on_wall = (a, b), max(0.0, b - a)
            elif how == M.ON_THE_WALL_THROUGHOUT:
                hanging = max(0.0, b - a)
            axis, sure = M.down_axis(track)
            down = axis if sure else None
        out.append(Person(n, frames, first, on_wall, window, down, hanging))
    return out


def others_down(persons: list[Person], chosen: int) -> np.ndarray | None:
    """Which way is down for everyone but the climber: each other person seen in MIN_FRAMES frames
    or more whose own body says it surely (standing by, or climbing, upright to themselves; see
    on_the_wall), where they all agree; None where nobody else says it, or they disagree. A phone
    held sideways turns everyone in the picture; a body misread lying across a crowd is the only
    one lying so."""
    downs = [p.down for p in persons if p.number != chosen and p.down is not None]
    if not downs or any(float(np.dot(d, downs[0])) < 0.5 for d in downs):
        return None
    return downs[0]


def climber(persons: list[Person]) -> int:
    """The person on the wall longest (then the one seen most); 0 when nobody was seen."""
    ranked = sorted(persons, key=lambda p: (p.on_wall_s, p.frames), reverse=True)
    return ranked[0].number if ranked and ranked[0].frames > 0 else 0


def seen_far_longer(persons: list[Person], chosen: int, how: str) -> bool:
    """Was someone else (offered to pick) seen in SEEN_LONGER times as many frames as the person
    chosen, who was not picked by the climber?"""
    if how == "picked":
        return False
    mine = next((p.frames for p in persons if p.number == chosen), 0)
    return any(p.number != chosen and p.frames >= MIN_FRAMES and p.frames >= SEEN_LONGER * mine for p in persons)


def choice_is_clear(persons: list[Person], chosen: int, how: str) -> bool:
    """Is the climber analysed surely the one meant? Yes when picked, or when nobody else offered
    was on the wall nearly as long."""
    if how == "picked":
        return True
    mine = next((p.on_wall_s for p in persons if p.number == chosen), 0.0)
    return not any(p.number != chosen and p.frames >= MIN_FRAMES and mine > 0 and p.on_wall_s >= RIVAL_SHARE * mine
                   for p in persons)
