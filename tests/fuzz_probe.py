"""Hypothesis fuzzing of probe and the sampler, in its own process (a decoder crash must not take
pytest down). Prints a JSON summary; exit 0 when every input was handled or coded."""
from __future__ import annotations

import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st

from core.errors import PipelineError  # noqa: E402
from core.media import frames as framing  # noqa: E402
from core.media.probe import probe  # noqa: E402

SEED = Path(sys.argv[1]).read_bytes()
N = int(sys.argv[2])
counts: Counter[str] = Counter()
tmp = Path(tempfile.mkdtemp())

mutation = st.one_of(
    st.tuples(st.just("cut"), st.integers(0, len(SEED))),
    st.tuples(st.just("flip"), st.lists(st.tuples(st.integers(0, len(SEED) - 1), st.integers(0, 255)), max_size=64)),
    st.tuples(st.just("insert"), st.integers(0, len(SEED)), st.binary(max_size=4096)),
    st.tuples(st.just("raw"), st.binary(max_size=8192)),
)


def mutate(m: tuple) -> bytes:
    kind = m[0]
    if kind == "cut":
        return SEED[: m[1]]
    if kind == "flip":
        b = bytearray(SEED)
        for pos, val in m[1]:
            b[pos] = val
        return bytes(b)
    if kind == "insert":
        return SEED[: m[1]] + m[2] + SEED[m[1]:]
    return m[1]


@settings(max_examples=N, deadline=None, database=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(mutation)
def run(m: tuple) -> None:
    p = tmp / "fuzz.mp4"
    p.write_bytes(mutate(m))
    try:
        probe(p)
        n = sum(1 for _ in framing.sample(p, 8, 160))
        counts["decoded" if n else "empty"] += 1
    except PipelineError as exc:
        counts[exc.code.value] += 1


run()
print(json.dumps({"examples": sum(counts.values()), "outcomes": dict(counts)}))
