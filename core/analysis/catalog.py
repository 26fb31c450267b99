"""Coaching text as phrases: a stable key and the measured values it is written from.

The record stores phrases (``say(key, **values)``), so the words are rendered when someone reads
them, in the reader's language (``render(lang, phrase)``), not frozen in the language the analysis
ran in. The English templates below are the gettext msgids (marked ``N_`` / ``Np_``); German lives
in core/locale/de/LC_MESSAGES/performate.po. Values are measured numbers only: floats are formatted
for the language (1.3 / 1,3), ints as they are, nested phrases rendered first.
"""
from __future__ import annotations

from typing import Any

from core.i18n import N_, normalise, num, pct, translate, translations

LANGUAGES = ("en", "de")
Phrase = dict[str, Any]


def Np_(singular: str, plural: str, count: str) -> tuple[str, str, str]:
    """Mark a template with a plural form chosen by the value named ``count``."""
    return singular, plural, count


AREA_NAMES: dict[str, str] = {"arms": N_("Arms"), "footwork": N_("Footwork"), "hips": N_("Hips"),
                              "pacing": N_("Pacing"), "fluency": N_("Fluency"), "dynamics": N_("Dynamics")}

TEXT: dict[str, str | tuple[str, str, str]] = {
    "arms.good": N_("You hang on straight arms {pct}% of the time your hands are above your shoulders: that saves your forearms."),
    "arms.work": N_("Your arms are bent in {pct_bent}% of your hanging time. Bent arms burn your forearms; hang on your skeleton between reaches."),
    "arms.drill": N_("Straight-arm traverse: 3 x 2 min on an easy wall, arms locked straight between every reach, turn your hips to reach."),
    "arms.na": N_("Not assessed: your arms were not visible above your shoulders long enough in this clip."),
    "footwork.good": Np_("Precise feet: {replacements} re-placement on {foot_contacts} foot placements, feet off the wall {feet_off}% of the time.",
                         "Precise feet: {replacements} re-placements on {foot_contacts} foot placements, feet off the wall {feet_off}% of the time.",
                         "replacements"),
    "footwork.work": Np_("Your feet were re-placed once on {foot_contacts} placements and off the wall {feet_off}% of the time. Look at each foothold until your foot is on it.",
                         "Your feet were re-placed {replacements} times on {foot_contacts} placements and off the wall {feet_off}% of the time. Look at each foothold until your foot is on it.",
                         "replacements"),
    # ... with the feet seen in part of the climb only: the share is of that part, and says so
    "footwork.good_seen": Np_("Precise feet: {replacements} re-placement on {foot_contacts} foot placements, feet off the wall {feet_off}% of the time they were seen ({seen}% of the climb).",
                              "Precise feet: {replacements} re-placements on {foot_contacts} foot placements, feet off the wall {feet_off}% of the time they were seen ({seen}% of the climb).",
                              "replacements"),
    "footwork.work_seen": Np_("Your feet were re-placed once on {foot_contacts} placements and off the wall {feet_off}% of the time they were seen ({seen}% of the climb). Look at each foothold until your foot is on it.",
                              "Your feet were re-placed {replacements} times on {foot_contacts} placements and off the wall {feet_off}% of the time they were seen ({seen}% of the climb). Look at each foothold until your foot is on it.",
                              "replacements"),
    "footwork.drill": N_("Silent feet: climb 4 easy problems placing every foot without a sound and without adjusting it afterwards."),
    "footwork.na": N_("Not assessed: your feet were not visible enough in this clip."),
    "hips.good": N_("Your hips stay over your base of support {pct}% of the time you stand on a foot: good balance."),
    "hips.work": N_("Your hips are over your base of support only {pct}% of the time you stand on a foot. Move your hips over your feet before you reach."),
    "hips.drill": N_("Hip-first: before each reach, shift your hips over the foot you push from and hold 2 s; 3 easy routes."),
    "hips.na": N_("Not assessed: too few moments with a foot and a hand on holds in this clip."),
    "hips.na_up": N_("Not assessed: your body did not show which way is down in this video (as under a roof), so there is no telling whether your hips are over your feet."),
    "hips.na_up_unsure": N_("Not assessed: which way is up is not certain in this video, so there is no telling whether your hips are over your feet."),
    "pacing.good": N_("Steady pace: still {immobile}% of the climb (brief holds between reaches included); {stop}."),
    "pacing.work": N_("You were still {immobile}% of the climb (brief holds between reaches included); {stop}. Read the sequence before you start and rest only on good holds."),
    "pacing.stop": Np_("one stop of 1 s or more, {longest} s long", "{pauses} stops of 1 s or more, the longest {longest} s", "pauses"),
    "pacing.no_stop": N_("no stop lasted 1 s or more"),
    "pacing.drill": N_("Route reading: before each attempt, point out every hand and foot placement from the ground, then climb it without stopping to think."),
    "pacing.na": N_("Not assessed: the climb was too short to judge pacing."),
    "unreliable": N_("Not assessed: {what} could not be seen reliably in this clip ({pct}% of the climb)."),
    "unreliable.feet": N_("your feet"),
    "unreliable.body": N_("your body"),
    "unrepeatable": N_("Not assessed: on this clip the score moves by about {sd} points when the pose is read again, too much to tell."),
    "fluency.good": Np_("Fluent movement: a direct hip path and smooth reaches (smoothness {smooth}/100, measured on {moves} movement).",
                        "Fluent movement: a direct hip path and smooth reaches (smoothness {smooth}/100, measured on {moves} movements).", "moves"),
    "fluency.work": Np_("Your movement is halting: the hip path winds and you speed up and slow down within a reach (smoothness {smooth}/100, measured on {moves} movement). Link each reach in one motion.",
                        "Your movement is halting: the hip path winds and you speed up and slow down within a reach (smoothness {smooth}/100, measured on {moves} movements). Link each reach in one motion.", "moves"),
    # the whole good but one half not (or the other way): that half said as it is
    "fluency.good_reaches": Np_("A direct hip path, though within a reach you speed up and slow down (smoothness {smooth}/100, measured on {moves} movement): link each reach in one motion.",
                                "A direct hip path, though within a reach you speed up and slow down (smoothness {smooth}/100, measured on {moves} movements): link each reach in one motion.", "moves"),
    "fluency.good_path": Np_("Smooth reaches (smoothness {smooth}/100, measured on {moves} movement), though the hip path winds: plan the line before you climb.",
                             "Smooth reaches (smoothness {smooth}/100, measured on {moves} movements), though the hip path winds: plan the line before you climb.", "moves"),
    "fluency.work_path": Np_("Your hip path is direct, but within a reach you speed up and slow down (smoothness {smooth}/100, measured on {moves} movement). Link each reach in one motion.",
                             "Your hip path is direct, but within a reach you speed up and slow down (smoothness {smooth}/100, measured on {moves} movements). Link each reach in one motion.", "moves"),
    "fluency.work_reaches": Np_("Your reaches are smooth (smoothness {smooth}/100, measured on {moves} movement), but the hip path winds. Plan the line before you climb.",
                                "Your reaches are smooth (smoothness {smooth}/100, measured on {moves} movements), but the hip path winds. Plan the line before you climb.", "moves"),
    "fluency.drill": N_("Flow laps: climb an easy route 3 times in a row, each time a little faster, without stopping between reaches."),
    "fluency.na": N_("Not assessed: no movement long enough to measure."),
    "dynamics.good": Np_("One dynamic move, landed with control (no swing afterwards).",
                         "{dynos} dynamic moves, all landed with control (no swing afterwards).", "dynos"),
    "dynamics.work": Np_("One dynamic move, followed by a swing. Keep your core tight and feet pressed as you catch.",
                         "{dynos} dynamic moves, {swings} of them followed by a swing. Keep your core tight and feet pressed as you catch.",
                         "dynos"),
    "dynamics.drill": N_("Deadpoint practice: 5 x 3 controlled deadpoints to a good hold, freeze for 2 s on the catch."),
    "dynamics.na": N_("Not assessed: no dynamic move seen in this clip."),
    "dynamics.cut_loose": Np_("Not assessed: your feet cut loose once ({times}) and you swung on your hands; there is no dyno or lunge here to judge.",
                              "Not assessed: your feet cut loose {n} times ({times}) and you swung on your hands; there is no dyno or lunge here to judge.",
                              "n"),
    "summary": Np_("You climbed for {duration} s with one hand move and {gain} torso lengths of height gained. Performance score {score}/100.",
                   "You climbed for {duration} s with {moves} hand moves and {gain} torso lengths of height gained. Performance score {score}/100.",
                   "moves"),
    "summary.no_height": Np_("You climbed for {duration} s with one hand move. Performance score {score}/100.",
                             "You climbed for {duration} s with {moves} hand moves. Performance score {score}/100.",
                             "moves"),
    "summary.height_unknown": N_("The height you gained is not measured here: your body did not show which way is up "
                                 "(on a roof, or with the camera tilted), and climbing along a roof looks like rising "
                                 "in the picture."),
    "summary.height_unsure": N_("The height you gained is not measured here: which way is up is not certain in this video."),
    "summary.climbed_down": Np_("You climbed down one hold after your high point; climbing down is not counted as a hand move.",
                                "You climbed down {n} holds after your high point; climbing down is not counted as a hand move.",
                                "n"),
    "summary.best": N_("Strongest: {best}."),
    "summary.worst": N_("Work on: {worst}."),
    "summary.moving_camera": N_("The camera moved; positions were corrected for it."),
    "summary.moving_camera_failed": N_("The camera moved too much to correct, so movement figures are rough."),
    "summary.cut_away": N_("The video cuts away from the wall for {away} s of the climb (first at {at} s); "
                           "what happens there is not measured."),
    "summary.other_camera": N_("For {other} s of the climb (first at {at} s) the video shows another camera, which "
                               "shares nothing with the wall's view: positions there are placed by your body, "
                               "so they are rough."),
    "item": N_("{area}: {text}"),
    "seconds": N_("{s} s"),
    "segment.hesitation": N_("hesitation"),
    "segment.indirect": N_("indirect path"),
    "segment.fast": N_("rushed, jerky movement"),
}


def say(key: str, **values: Any) -> Phrase:
    """A phrase to store: ``key`` (in TEXT, or ``area.NAME``) and the values it is written from."""
    if key not in TEXT and not (key.startswith("area.") and key[5:] in AREA_NAMES):
        raise KeyError(key)
    return {"key": key, "values": values}


def _value(lang: str, v: Any) -> Any:
    if isinstance(v, dict) and "key" in v:
        return render(lang, v)
    if isinstance(v, list):  # several values: each rendered, "; " between (a comma is a decimal mark in German)
        return "; ".join(str(_value(lang, x)) for x in v)
    if isinstance(v, float):
        return num(v, 1, lang)
    return v


def render(lang: str | None, phrase: Phrase) -> str:
    """The phrase in ``lang``."""
    lang = normalise(lang) or "en"
    key, values = phrase["key"], phrase.get("values") or {}
    if key.startswith("area."):
        return translate(lang, AREA_NAMES[key[5:]])
    template = TEXT[key]
    if isinstance(template, tuple):
        singular, plural, count = template
        text = translations(lang).ngettext(singular, plural, int(values.get(count) or 0))
    else:
        text = translate(lang, template)
    return text.format(**{k: _value(lang, v) for k, v in values.items()})


def text(lang: str, key: str, **values: object) -> str:
    return render(lang, say(key, **values))


def area_name(lang: str | None, area: str) -> str:
    return translate(normalise(lang) or "en", AREA_NAMES[area])


#: The metrics shown on the results page: label, how the value reads, what it means for the climber.
METRICS: dict[str, dict[str, str]] = {
    "gie": {"label": N_("Path detour"), "kind": "num2"},
    "smoothness": {"label": N_("Smoothness per movement"), "kind": "num2"},
    "immobility_ratio": {"label": N_("Time standing still"), "kind": "pct"},
    "longest_pause_s": {"label": N_("Longest stop"), "kind": "secs"},
    "path_efficiency": {"label": N_("Path efficiency"), "kind": "pct"},
    "vertical_progress": {"label": N_("Height gained"), "kind": "torso"},
    "vertical_speed": {"label": N_("Vertical speed"), "kind": "torso_s"},
    "straight_arm_ratio": {"label": N_("Straight arms"), "kind": "pct"},
    "feet_off_share": {"label": N_("Feet off"), "kind": "pct"},
    "moves_per_min": {"label": N_("Hand moves per minute"), "kind": "num1"},
    "pose_coverage": {"label": N_("Body seen"), "kind": "pct"},
}

_MEANING: dict[str, str] = {
    "gie": N_("How winding your hip path was: {v}. A straight line is 0; 0.7 means the path was twice as long as it needed to be to cover the same area."),
    "smoothness": N_("How evenly each movement flowed, from the speed of your hips: {v}. About -1.5 is one fluent motion; -2.5 and below, a movement that stops and starts."),
    "immobility_ratio": N_("You were still for {v} of the climb, brief holds between reaches included. Some rest is "
                           "good; long stops on poor holds cost strength."),
    "longest_pause_s": N_("Your longest stop (1 s or more) lasted {v}."),
    "path_efficiency": N_("{v} of the distance your hips travelled went towards where you ended up."),
    "vertical_progress": N_("Your hips rose {v} from the start to the highest point of the climb."),
    "vertical_speed": N_("Average climbing speed: {v}."),
    "straight_arm_ratio": N_("Share of hanging time on straight arms: {v}. More saves your forearms."),
    "feet_off_share": N_("Share of the climb without a foot on a hold: {v}."),
    "moves_per_min": N_("Hand moves to new holds per minute: {v}."),
    "pose_coverage": N_("Share of the climb in which we could see your whole body: {v}."),
}


#: Feet seen in less than this share of the climb (legs hanging faintly seen, or out of the picture):
#: their measures say they are of the part seen. Above it the share of the part seen is within 0.1 of
#: the share of the whole climb, whatever the unseen part held (they differ by at most the unseen share).
SEEN_IN_FULL = 0.9
_FEET_OFF_SEEN = N_("Share of the time your feet were seen ({seen} of the climb) without a foot on a hold: {v}.")


#: The longest stop when no stop lasted a pause's length (metrics.PAUSE_MIN_S): there was none. Beside
#: "still for 15% of the climb" (brief holds between reaches), "longest stop 0.0 s" read as a
#: contradiction.
NO_STOP = N_("none")
_NO_STOP_MEANING = N_("No stop lasted 1 s or more: brief holds between reaches are not stops.")


def metric_value(lang: str | None, key: str, value: float) -> str:
    """A metric's value as the page shows it, in ``lang``."""
    if key == "longest_pause_s" and not value:
        return translate(normalise(lang) or "en", NO_STOP)
    kind = METRICS[key]["kind"]
    if kind == "pct":
        return pct(value, 0, lang)
    if kind == "secs":
        return f"{num(value, 1, lang)} s"
    if kind == "torso":
        return translate(lang or "en", N_("{v} torso lengths")).format(v=num(value, 1, lang))
    if kind == "torso_s":
        return translate(lang or "en", N_("{v} torso lengths/s")).format(v=num(value, 2, lang))
    return num(value, 2 if kind == "num2" else 1, lang)


def metric_label(lang: str | None, key: str) -> str:
    return translate(normalise(lang) or "en", METRICS[key]["label"])


def metric_meaning(lang: str | None, key: str, value: float, metrics: dict[str, Any] | None = None) -> str:
    """What ``value`` of metric ``key`` means, in ``lang``; with the record's ``metrics``, feet off
    measured over part of the climb only (see SEEN_IN_FULL) says which part."""
    lang = normalise(lang) or "en"
    if key == "longest_pause_s" and not value:
        return translate(lang, _NO_STOP_MEANING)
    seen = (metrics or {}).get("feet_seen_share")
    if key == "feet_off_share" and seen is not None and seen < SEEN_IN_FULL:
        return translate(lang, _FEET_OFF_SEEN).format(v=metric_value(lang, key, value), seen=pct(seen, 0, lang))
    return translate(lang, _MEANING[key]).format(v=metric_value(lang, key, value))
