"""Feedback text by language. Keys are stable; every language has every key (a test checks).

Templates are ``str.format``-ed with measured values only.
"""
from __future__ import annotations

LANGUAGES = ("en", "de")

AREA_NAMES = {
    "en": {"arms": "Arms", "footwork": "Footwork", "hips": "Hips", "pacing": "Pacing", "fluency": "Fluency", "dynamics": "Dynamics"},
    "de": {"arms": "Arme", "footwork": "Fußarbeit", "hips": "Hüfte", "pacing": "Tempo", "fluency": "Flüssigkeit", "dynamics": "Dynamik"},
}

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "arms.good": "You hang on straight arms {pct}% of the time your hands are above your shoulders: that saves your forearms.",
        "arms.work": "Your arms are bent in {pct_bent}% of your hanging time. Bent arms burn your forearms; hang on your skeleton between moves.",
        "arms.drill": "Straight-arm traverse: 3 x 2 min on an easy wall, arms locked straight between every move, turn your hips to reach.",
        "arms.na": "Not assessed: your arms were not visible above your shoulders long enough in this clip.",
        "footwork.good": "Precise feet: {replacements} re-placements on {foot_contacts} foot placements, feet off the wall {feet_off}% of the time.",
        "footwork.work": "Your feet were re-placed {replacements} times on {foot_contacts} placements and off the wall {feet_off}% of the time. Look at each foothold until your foot is on it.",
        "footwork.drill": "Silent feet: climb 4 easy problems placing every foot without a sound and without adjusting it afterwards.",
        "footwork.na": "Not assessed: your feet were not visible enough in this clip.",
        "hips.good": "Your hips stay over your base of support {pct}% of the time you stand on a foot: good balance.",
        "hips.work": "Your hips are over your base of support only {pct}% of the time you stand on a foot. Move your hips over your feet before you reach.",
        "hips.drill": "Hip-first moves: before each reach, shift your hips over the foot you push from and hold 2 s; 3 easy routes.",
        "hips.na": "Not assessed: too few moments with a foot and a hand on holds in this clip.",
        "pacing.good": "Steady pace: still {immobile}% of the climb (brief holds between moves included); {stop}.",
        "pacing.work": "You were still {immobile}% of the climb (brief holds between moves included); {stop}. Read the sequence before you start and rest only on good holds.",
        "pacing.stop": "{pauses} stop(s) of 1 s or more, the longest {longest} s",
        "pacing.no_stop": "no stop lasted 1 s or more",
        "unreliable": "Not assessed: {what} could not be seen reliably in this clip ({pct}% of the climb).",
        "unreliable.feet": "your feet",
        "unreliable.body": "your body",
        "pacing.drill": "Route reading: before each attempt, point out every hand and foot move from the ground, then climb it without stopping to think.",
        "pacing.na": "Not assessed: the climb was too short to judge pacing.",
        "fluency.good": "Fluent movement: a direct hip path and smooth moves ({smooth}/100 smoothness over {moves} measured moves).",
        "fluency.work": "Your movement is halting: the hip path winds and your moves speed up and slow down on the way ({smooth}/100 smoothness over {moves} measured moves). Link each move in one motion.",
        "fluency.drill": "Flow laps: climb an easy route 3 times in a row, each time a little faster, without stopping between moves.",
        "fluency.na": "Not assessed: no movement long enough to measure.",
        "dynamics.good": "{dynos} dynamic move(s), landed with control (no swing afterwards).",
        "dynamics.work": "{dynos} dynamic move(s), {swings} followed by a swing. Keep your core tight and feet pressed as you catch.",
        "dynamics.drill": "Deadpoint practice: 5 x 3 controlled deadpoints to a good hold, freeze for 2 s on the catch.",
        "dynamics.na": "Not assessed: no dynamic move in this clip.",
        "summary": "You climbed for {duration} s with {moves} hand move(s) and {gain} torso lengths of height gained. Score {score}/100.",
        "summary.best": "Strongest: {best}.",
        "summary.worst": "Work on: {worst}.",
        "summary.low_confidence": "The climber was hard to see in parts of this video, so treat these numbers with care.",
        "summary.moving_camera": "The camera moved; positions were corrected for it.",
        "summary.moving_camera_failed": "The camera moved too much to correct, so movement figures are rough.",
        "strength": "{area}: {score}/100",
        "segment.hesitation": "hesitation",
        "segment.indirect": "indirect path",
        "segment.fast": "rushed, jerky movement",
    },
    "de": {
        "arms.good": "Du hängst {pct}% der Zeit mit gestreckten Armen, wenn die Hände über den Schultern sind: das schont die Unterarme.",
        "arms.work": "Deine Arme sind {pct_bent}% der Hängezeit gebeugt. Gebeugte Arme ermüden die Unterarme; häng zwischen den Zügen am Skelett.",
        "arms.drill": "Traverse mit gestreckten Armen: 3 x 2 min an einer leichten Wand, Arme zwischen jedem Zug gestreckt, zum Greifen die Hüfte drehen.",
        "arms.na": "Nicht bewertet: deine Arme waren in diesem Video nicht lange genug über den Schultern zu sehen.",
        "footwork.good": "Präzise Füße: {replacements} Korrekturen bei {foot_contacts} Tritten, Füße {feet_off}% der Zeit nicht an der Wand.",
        "footwork.work": "Deine Füße wurden {replacements} Mal bei {foot_contacts} Tritten nachgesetzt und waren {feet_off}% der Zeit nicht an der Wand. Schau jeden Tritt an, bis der Fuß darauf steht.",
        "footwork.drill": "Leise Füße: 4 leichte Boulder klettern, jeden Fuß lautlos setzen und danach nicht mehr korrigieren.",
        "footwork.na": "Nicht bewertet: deine Füße waren in diesem Video nicht gut genug zu sehen.",
        "hips.good": "Deine Hüfte ist {pct}% der Zeit, in der du auf einem Fuß stehst, über deiner Stützbasis: gutes Gleichgewicht.",
        "hips.work": "Deine Hüfte ist nur {pct}% der Zeit, in der du auf einem Fuß stehst, über deiner Stützbasis. Bring die Hüfte über die Füße, bevor du greifst.",
        "hips.drill": "Erst die Hüfte: vor jedem Zug die Hüfte über den Standfuß schieben und 2 s halten; 3 leichte Routen.",
        "hips.na": "Nicht bewertet: zu wenige Momente mit Fuß und Hand an Griffen in diesem Video.",
        "pacing.good": "Gleichmäßiges Tempo: {immobile}% der Kletterzeit unbewegt (kurzes Halten zwischen den Zügen eingerechnet); {stop}.",
        "pacing.work": "Du warst {immobile}% der Kletterzeit unbewegt (kurzes Halten zwischen den Zügen eingerechnet); {stop}. Lies die Route vorher und ruh dich nur an guten Griffen aus.",
        "pacing.stop": "{pauses} Stopp(s) von 1 s oder länger, der längste {longest} s",
        "pacing.no_stop": "kein Stopp dauerte 1 s oder länger",
        "unreliable": "Nicht bewertet: {what} war in diesem Video nicht verlässlich zu sehen ({pct}% des Versuchs).",
        "unreliable.feet": "deine Füße",
        "unreliable.body": "dein Körper",
        "pacing.drill": "Route lesen: vor jedem Versuch vom Boden aus jeden Hand- und Fußzug zeigen, dann ohne Nachdenk-Pausen klettern.",
        "pacing.na": "Nicht bewertet: der Versuch war zu kurz, um das Tempo zu beurteilen.",
        "fluency.good": "Flüssige Bewegung: ein direkter Hüftweg und ruhige Züge ({smooth}/100 Ruhe über {moves} gemessene Züge).",
        "fluency.work": "Deine Bewegung stockt: der Hüftweg windet sich und deine Züge werden unterwegs schneller und langsamer ({smooth}/100 Ruhe über {moves} gemessene Züge). Verbinde jeden Zug zu einer Bewegung.",
        "fluency.drill": "Flow-Runden: eine leichte Route 3 Mal hintereinander klettern, jedes Mal etwas schneller, ohne zwischen den Zügen anzuhalten.",
        "fluency.na": "Nicht bewertet: keine Bewegung lang genug zum Messen.",
        "dynamics.good": "{dynos} dynamische(r) Zug/Züge, kontrolliert gefangen (kein Pendeln danach).",
        "dynamics.work": "{dynos} dynamische(r) Zug/Züge, {swings} davon mit Pendeln. Halte den Rumpf fest und drück die Füße beim Fangen an.",
        "dynamics.drill": "Deadpoint-Übung: 5 x 3 kontrollierte Deadpoints an einen guten Griff, beim Fangen 2 s einfrieren.",
        "dynamics.na": "Nicht bewertet: kein dynamischer Zug in diesem Video.",
        "summary": "Du bist {duration} s geklettert, mit {moves} Handzug/Handzügen und {gain} Rumpflängen Höhengewinn. Wertung {score}/100.",
        "summary.best": "Am stärksten: {best}.",
        "summary.worst": "Arbeite an: {worst}.",
        "summary.low_confidence": "Der Kletterer war in Teilen des Videos schwer zu erkennen; die Zahlen sind daher mit Vorsicht zu lesen.",
        "summary.moving_camera": "Die Kamera hat sich bewegt; die Positionen wurden korrigiert.",
        "summary.moving_camera_failed": "Die Kamera hat sich zu stark bewegt, um das auszugleichen; die Bewegungswerte sind grob.",
        "strength": "{area}: {score}/100",
        "segment.hesitation": "Zögern",
        "segment.indirect": "Umwege",
        "segment.fast": "hastige, ruckartige Bewegung",
    },
}


def text(lang: str, key: str, **values: object) -> str:
    table = TEXT.get(lang) or TEXT["en"]
    return table.get(key, TEXT["en"][key]).format(**values)


def area_name(lang: str, area: str) -> str:
    return (AREA_NAMES.get(lang) or AREA_NAMES["en"])[area]


#: The metrics shown on the results page: label, format, and what the value means for the climber.
METRICS: dict[str, dict[str, object]] = {
    "gie": {"label": {"en": "Path detour", "de": "Umweg der Hüfte"}, "fmt": "{:.2f}"},
    "smoothness": {"label": {"en": "Smoothness per move", "de": "Ruhe pro Zug"}, "fmt": "{:.2f}"},
    "immobility_ratio": {"label": {"en": "Immobility", "de": "Stillstand"}, "fmt": "{:.0%}"},
    "longest_pause_s": {"label": {"en": "Longest pause", "de": "Längste Pause"}, "fmt": "{:.1f} s"},
    "path_efficiency": {"label": {"en": "Path efficiency", "de": "Wegeffizienz"}, "fmt": "{:.0%}"},
    "vertical_progress": {"label": {"en": "Height gained", "de": "Höhengewinn"}, "fmt": "{:.1f} torso lengths"},
    "vertical_speed": {"label": {"en": "Vertical speed", "de": "Vertikaltempo"}, "fmt": "{:.2f} torso/s"},
    "straight_arm_ratio": {"label": {"en": "Straight arms", "de": "Gestreckte Arme"}, "fmt": "{:.0%}"},
    "feet_off_share": {"label": {"en": "Feet off", "de": "Füße ohne Kontakt"}, "fmt": "{:.0%}"},
    "moves_per_min": {"label": {"en": "Moves per minute", "de": "Züge pro Minute"}, "fmt": "{:.1f}"},
    "pose_coverage": {"label": {"en": "Pose coverage", "de": "Posen-Abdeckung"}, "fmt": "{:.0%}"},
}

_MEANING = {
    "en": {
        "gie": "How winding your hip path was: {v:.2f}. A straight line is 0; 0.7 means the path was twice as long as it needed to be to cover the same area.",
        "smoothness": "How evenly each move flowed, from the speed of your hips: {v:.2f}. About -1.5 is one fluent motion; -2.5 and below, a move that stops and starts.",
        "immobility_ratio": "You were still for {v:.0%} of the climb. Some rest is good; long stops on poor holds cost strength.",
        "longest_pause_s": "Your longest stop lasted {v:.1f} s.",
        "path_efficiency": "{v:.0%} of the distance your hips travelled went towards where you ended up.",
        "vertical_progress": "Your hips rose {v:.1f} torso lengths from the start to the highest point of the climb.",
        "vertical_speed": "Average climbing speed: {v:.2f} torso lengths per second.",
        "straight_arm_ratio": "Share of hanging time on straight arms: {v:.0%}. More saves your forearms.",
        "feet_off_share": "Share of the climb without a foot on a hold: {v:.0%}.",
        "moves_per_min": "Hand moves to new holds per minute: {v:.1f}.",
        "pose_coverage": "Share of the climb in which we could see your whole body: {v:.0%}.",
    },
    "de": {
        "gie": "Wie verschlungen dein Hüftweg war: {v:.2f}. Eine Gerade ist 0; 0,7 heißt, der Weg war doppelt so lang wie nötig, um dieselbe Fläche abzudecken.",
        "smoothness": "Wie gleichmäßig jeder Zug lief, aus dem Tempo deiner Hüfte: {v:.2f}. Etwa -1,5 ist eine flüssige Bewegung; -2,5 und weniger ein Zug, der stockt.",
        "immobility_ratio": "Du warst {v:.0%} der Kletterzeit unbewegt. Etwas Rast ist gut; lange Stopps an schlechten Griffen kosten Kraft.",
        "longest_pause_s": "Dein längster Stopp dauerte {v:.1f} s.",
        "path_efficiency": "{v:.0%} des Weges deiner Hüfte führten zum Ziel.",
        "vertical_progress": "Deine Hüfte stieg um {v:.1f} Rumpflängen vom Start bis zum höchsten Punkt.",
        "vertical_speed": "Mittleres Klettertempo: {v:.2f} Rumpflängen pro Sekunde.",
        "straight_arm_ratio": "Anteil der Hängezeit mit gestreckten Armen: {v:.0%}. Mehr schont die Unterarme.",
        "feet_off_share": "Anteil der Kletterzeit ohne Fuß an einem Tritt: {v:.0%}.",
        "moves_per_min": "Handzüge an neue Griffe pro Minute: {v:.1f}.",
        "pose_coverage": "Anteil der Kletterzeit, in dem dein ganzer Körper zu sehen war: {v:.0%}.",
    },
}


def metric_meaning(lang: str, key: str, value: float) -> str:
    table = _MEANING.get(lang) or _MEANING["en"]
    return table.get(key, _MEANING["en"][key]).format(v=value)
