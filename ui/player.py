"""The replay player: one annotated replay, or two in sync, with the controls a coach reviews video
with (play/pause, 0.25x/0.5x/1x, one frame back/forward), and evidence chips that bring the player
into view, seek to their time and play.

A Streamlit v2 component (inline JS, no iframe): the player registers itself on ``window`` under
its id, so a chip elsewhere on the page drives it directly, without a rerun of the script.
"""
from __future__ import annotations

from typing import Any

import streamlit as st

from core import api
from core.api import _

_CSS = """
.pm-player { display: flex; flex-direction: column; gap: .4rem; }
.pm-videos { display: grid; gap: .5rem; grid-template-columns: repeat(var(--pm-n, 1), minmax(0, 1fr)); }
.pm-videos figure { margin: 0; }
.pm-videos video { width: 100%; max-height: 70vh; background: #111; border-radius: .4rem; display: block; }
.pm-videos figcaption { font-size: .8rem; color: #4b5563; margin-top: .15rem; }
.pm-bar { display: flex; flex-wrap: wrap; gap: .3rem; align-items: center; }
.pm-bar button, .pm-chips button {
  font: inherit; font-size: .85rem; padding: .2rem .6rem; border-radius: .4rem; cursor: pointer;
  border: 1px solid #d1d5db; background: #fff; color: #1f2937; min-height: 2rem; }
.pm-bar button[aria-pressed=true] { background: #E4572E; border-color: #E4572E; color: #fff; }
.pm-bar .pm-time { font-size: .8rem; color: #4b5563; font-variant-numeric: tabular-nums; margin-left: .3rem; }
.pm-bar input[type=range] { flex: 1 1 8rem; min-width: 6rem; accent-color: #E4572E; }
.pm-chips { display: flex; flex-wrap: wrap; gap: .25rem; }
.pm-chips button { padding: .1rem .45rem; min-height: 1.8rem; font-size: .8rem; }
"""

_PLAYER_JS = r"""
export default function ({ parentElement, data }) {
  const d = data || {};
  const key = JSON.stringify((d.videos || []).map(v => v.src)) + "|" + d.id;
  let s = parentElement.__pm;
  if (!s || s.key !== key) { s = build(mount(parentElement), d, key); parentElement.__pm = s; }
  s.relabel(d.labels || {});
  (window.performatePlayers = window.performatePlayers || {})[d.id] = s;
}

// Streamlit puts the component's <style> into the same parent: replace only our own root, never
// the parent's whole content (that would drop the styles)
function mount(parent) {
  let root = parent.querySelector(":scope > .pm-root");
  if (root) root.replaceChildren();
  else { root = document.createElement("div"); root.className = "pm-root"; parent.appendChild(root); }
  return root;
}

function el(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function build(root, d, key) {
  const L = Object.assign({}, d.labels || {});
  const fps = d.fps || 8, step = 1 / fps;
  const box = el("div", { class: "pm-player", "data-player": d.id });
  const grid = el("div", { class: "pm-videos" });
  grid.style.setProperty("--pm-n", String(Math.min(2, (d.videos || []).length || 1)));
  const vids = (d.videos || []).map((v, i) => {
    const fig = el("figure");
    const video = el("video", { preload: "auto", playsinline: "", muted: "", "data-index": String(i),
                                "data-testid": "pm-video" });
    video.muted = true;
    video.src = v.src;
    if (d.videos.length === 1) video.controls = true;
    fig.appendChild(video);
    if (v.label) fig.appendChild(el("figcaption", {}, v.label));
    grid.appendChild(fig);
    return { video, start: +v.start || 0, nudge: 0 };
  });
  const A = vids[0];
  const bar = el("div", { class: "pm-bar", role: "toolbar" });
  const play = el("button", { type: "button", "data-act": "play" });
  const back = el("button", { type: "button", "data-act": "back" });
  const fwd = el("button", { type: "button", "data-act": "fwd" });
  const rates = [0.25, 0.5, 1].map(r => el("button", { type: "button", "data-rate": String(r),
                                                       "aria-pressed": String(r === 1) }, (r === 1 ? "1" : String(r)) + "×"));
  const scrub = el("input", { type: "range", min: "0", max: "1000", value: "0" });
  const time = el("span", { class: "pm-time" });
  bar.append(play, ...rates, back, fwd);
  let later, earlier;
  if (vids.length > 1) {
    earlier = el("button", { type: "button", "data-act": "earlier" });
    later = el("button", { type: "button", "data-act": "later" });
    bar.append(earlier, later, scrub);
  }
  bar.append(time);
  box.append(grid, bar);
  root.appendChild(box);

  const span = () => Math.max(0.1, ...vids.map(v => (v.video.duration || 0) - v.start));
  const rel = () => (A.video.currentTime || 0) - A.start;
  const target = v => Math.max(0, v.start + rel() + v.nudge);
  const playing = () => vids.some(v => !v.video.paused);
  const fmt = x => (Math.round(x * 100) / 100).toFixed(2).replace(".", L.decimal || ".");

  function follow(force) {  // every other video follows the first one on the climb's clock
    for (const v of vids.slice(1)) {
      const want = target(v);
      if (force || Math.abs((v.video.currentTime || 0) - want) > 0.08) v.video.currentTime = want;
    }
  }
  function show() {
    play.textContent = playing() ? (L.pause || "Pause") : (L.play || "Play");
    const parts = vids.map((v, i) => (vids.length > 1 ? "ABCD"[i] + " " : "") + fmt(v.video.currentTime || 0) + " s");
    if (vids.length > 1 && vids[1].nudge) parts.push((L.offset || "offset") + " " + (vids[1].nudge > 0 ? "+" : "") + fmt(vids[1].nudge) + " s");
    time.textContent = parts.join(" · ");
    if (vids.length > 1 && document.activeElement !== scrub) scrub.value = String(Math.round(1000 * Math.max(0, rel()) / span()));
  }
  function tick() { if (playing()) { follow(false); show(); requestAnimationFrame(tick); } else show(); }
  function start() {
    follow(true);
    return Promise.all(vids.map(v => v.video.play().catch(() => null))).then(() => requestAnimationFrame(tick));
  }
  function pause() { vids.forEach(v => v.video.pause()); follow(true); show(); }
  function rate(r) {
    vids.forEach(v => { v.video.playbackRate = r; v.video.defaultPlaybackRate = r; });
    rates.forEach(b => b.setAttribute("aria-pressed", String(+b.dataset.rate === r)));
  }
  function seekRel(t) { A.video.currentTime = Math.max(0, A.start + t); follow(true); show(); }
  function stepBy(n) { pause(); A.video.currentTime = Math.max(0, (A.video.currentTime || 0) + n * step); follow(true); show(); }

  play.onclick = () => (playing() ? pause() : start());
  rates.forEach(b => (b.onclick = () => rate(+b.dataset.rate)));
  back.onclick = () => stepBy(-1);
  fwd.onclick = () => stepBy(1);
  if (later) {
    later.onclick = () => { vids[1].nudge += step; follow(true); show(); };
    earlier.onclick = () => { vids[1].nudge -= step; follow(true); show(); };
    scrub.oninput = () => { pause(); seekRel(span() * (+scrub.value) / 1000); };
  }
  vids.forEach(v => {
    v.video.addEventListener("loadedmetadata", () => { if (v.start && !v.video.currentTime) v.video.currentTime = v.start; show(); });
    ["play", "pause", "seeked", "ratechange"].forEach(ev => v.video.addEventListener(ev, show));
  });
  // a single replay keeps the browser's own controls: its play starts the loop that updates the time
  A.video.addEventListener("play", () => requestAnimationFrame(tick));

  const api = {
    key,
    videos: vids.map(v => v.video),
    relabel(l) {
      Object.assign(L, l);
      back.textContent = "◀ " + (L.back || "Frame back");
      fwd.textContent = (L.fwd || "Frame forward") + " ▶";
      back.title = back.textContent; fwd.title = fwd.textContent;
      if (later) { earlier.textContent = L.earlier || "B earlier"; later.textContent = L.later || "B later"; }
      scrub.setAttribute("aria-label", L.position || "Position");
      rates.forEach(b => {
        b.textContent = String(+b.dataset.rate).replace(".", L.decimal || ".") + "×";
        b.setAttribute("aria-label", (L.speed || "Speed") + " " + b.textContent);
      });
      show();
    },
    seekPlay(t) {  // an evidence chip: into view, to the exact time, play
      box.scrollIntoView({ block: "center", behavior: "instant" });
      pause();
      A.video.currentTime = Math.max(0, t);
      follow(true);
      return start();
    },
  };
  return api;
}
"""

_CHIPS_JS = r"""
export default function ({ parentElement, data }) {
  const d = data || {};
  let box = parentElement.querySelector(":scope > .pm-chips");
  if (box) box.replaceChildren();
  else { box = document.createElement("div"); box.className = "pm-chips"; parentElement.appendChild(box); }
  for (const c of d.chips || []) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = "▶ " + c.label;
    b.title = c.title || c.label;
    b.onclick = () => {
      const p = (window.performatePlayers || {})[d.player];
      if (p) p.seekPlay(c.t);
    };
    box.appendChild(b);
  }
}
"""

_player = st.components.v2.component("performate.player", css=_CSS, js=_PLAYER_JS, isolate_styles=False)
_chips = st.components.v2.component("performate.chips", css=_CSS, js=_CHIPS_JS, isolate_styles=False)


def labels() -> dict[str, str]:
    return {"play": _("Play"), "pause": _("Pause"), "back": _("Frame back"), "fwd": _("Frame forward"),
            "earlier": _("B one frame earlier"), "later": _("B one frame later"), "offset": _("B offset"),
            "speed": _("Speed"), "position": _("Position in the climb"), "decimal": api.decimal_symbol()}


def player(player_id: str, videos: list[dict[str, Any]], fps: float, key: str) -> None:
    """Mount the player: ``videos`` as [{"src", "label", "start"}] (start: the second each one's
    climb begins; the others follow the first on the climb's clock)."""
    _player(data={"id": player_id, "videos": videos, "fps": fps, "labels": labels()}, key=key)


def chips(player_id: str, times: list[tuple[float, str]], key: str) -> None:
    """Evidence chips: each seeks the player to its time and plays it."""
    _chips(data={"player": player_id, "chips": [{"t": t, "label": label} for t, label in times]}, key=key)


_copy = st.components.v2.component(
    "performate.copylink",
    html="<button type='button' class='pm-copy'></button><span class='pm-copied' role='status'></span>",
    css=".pm-copy{font:inherit;font-size:.85rem;padding:.2rem .7rem;border-radius:.4rem;border:1px solid #d1d5db;"
        "background:#fff;color:#1f2937;cursor:pointer;min-height:2rem}"
        ".pm-copied{margin-left:.5rem;font-size:.8rem;color:#16a34a}",
    js="""export default function ({ parentElement, data }) {
      const b = parentElement.querySelector('.pm-copy'), ok = parentElement.querySelector('.pm-copied');
      b.textContent = data.label;
      b.onclick = async () => {
        const url = window.location.href;
        try { await navigator.clipboard.writeText(url); } catch (e) {
          const t = document.createElement('textarea'); t.value = url; document.body.appendChild(t); t.select();
          document.execCommand('copy'); t.remove(); }
        ok.textContent = data.done;
      };
    }""",
)


def copy_link(label: str, done: str, key: str) -> None:
    """A button that copies this page's address (it carries the analysis id)."""
    _copy(data={"label": label, "done": done}, key=key)
