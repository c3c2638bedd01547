"""What each scene asks of the picture and the camera, derived from the parsed scene alone.

Both prompts are plain functions of the scene so that they are stable: the same scene always gets the
same prompt, and editing a scene's text changes its prompts in a way a person can predict.
"""

from __future__ import annotations

import re

from scriptvid.model import Scene

MOTIONS: tuple[str, ...] = (
    "static",
    "push in",
    "pull out",
    "pan left",
    "pan right",
    "tilt up",
    "tilt down",
    "parallax",
)

STYLE = "storyboard illustration, flat colours, clean lines"
PLACES = {"INT": "Interior", "EXT": "Exterior", "INT/EXT": "Interior and exterior"}
LIGHT = {
    "DAY": "daylight",
    "NIGHT": "at night",
    "DAWN": "at dawn",
    "DUSK": "at dusk",
    "MORNING": "morning light",
    "AFTERNOON": "afternoon light",
    "EVENING": "evening light",
    "SUNSET": "at sunset",
    "SUNRISE": "at sunrise",
    "NOON": "midday sun",
    "MIDNIGHT": "at midnight",
}
WORD = re.compile(r"[a-z']+")
SENTENCE = re.compile(r"(?<=[.!?])\s+")
# The film's own ending; an act drop or a CUT TO: in the middle of a film is no ending.
ENDING = re.compile(r"\b(?:FADE OUT|FADE TO BLACK|THE END|CURTAIN|TABLEAU)\b", re.I)
CHASE = {"chase", "chases", "chasing", "runs", "running", "races", "racing", "speeds", "flees", "pursues"}
TENSE = {
    "gun",
    "guns",
    "knife",
    "blood",
    "dead",
    "kill",
    "kills",
    "shoots",
    "scream",
    "screams",
    "whispers",
    "fear",
}
UP = {"sky", "tower", "skyscraper", "mountain", "lighthouse", "stars", "ceiling", "climbs"}
DOWN = {"floor", "ground", "below", "falls", "fallen", "drops", "grave"}
# Scenes that match no rule still get some movement, varied from one scene to the next.
CALM = ("parallax", "push in", "static", "pan right", "pull out", "pan left")
MAX_ACTION = 220


def image_prompt(scene: Scene, script_title: str) -> str:
    """A short visual description of the scene for an image model or the drawn storyboard."""
    action = _first_action(scene)
    # A play's set description is both its location and its first action: say it once.
    place = "" if scene.location and scene.location in action else _readable(scene.location)
    where = ", ".join(p for p in (PLACES.get(scene.interior, ""), place) if p)
    light = LIGHT.get(scene.time_of_day.split(" ")[-1] if scene.time_of_day else "", "")
    parts = [", ".join(p for p in (where, light) if p)]
    # Narrators and voices over are heard, not seen: they are not in the picture.
    heard = {ln.character for ln in scene.dialogue if ln.is_narration}
    heard -= {ln.character for ln in scene.dialogue if not ln.is_narration}
    seen = tuple(c for c in scene.characters if c not in heard)
    if seen:
        parts.append("With " + _names(seen))
    parts.append(action)
    parts.append(f'A scene from "{script_title}", {STYLE}' if script_title else f"A scene, {STYLE}")
    return " ".join(_sentence(p) for p in parts if p)


def motion_prompt(scene: Scene) -> str:
    """One camera move from `MOTIONS`, chosen from what happens in the scene."""
    text = " ".join(scene.action).lower()
    words = set(WORD.findall(text))
    odd = scene.number % 2 == 1  # neighbours alternate direction
    if ENDING.search(scene.transition) or any(ENDING.search(a) for a in scene.action[-1:]):
        return "pull out"
    if words & CHASE:
        return "pan right" if odd else "pan left"
    # A narrator is not on screen: only an exchange between people we see is worth moving closer to.
    seen = [ln.character for ln in scene.dialogue if not ln.is_narration]
    if words & TENSE or (len(seen) >= 3 and len(set(seen)) <= 2):
        return "push in"
    if words & UP:
        return "tilt up"
    if words & DOWN:
        return "tilt down"
    if scene.interior == "EXT" and len(scene.dialogue) <= 1:
        return "pan left" if odd else "pull out"
    return CALM[scene.number % len(CALM)]


def _sentence(text: str) -> str:
    text = text.rstrip(" :;,")
    return text if text.rstrip("\"'”’)").endswith((".", "!", "?", "。", "！", "？", "…")) else text + "."


def _readable(text: str) -> str:
    """Headings shout; prompts read better in sentence case."""
    return text.lower() if text.isupper() else text


def _names(characters: tuple[str, ...]) -> str:
    shown = [c.title() if c.isupper() else c for c in characters[:4]]
    if len(characters) > 4:
        shown.append("others")
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def _first_action(scene: Scene) -> str:
    """The first sentences of the first action paragraph that describes something (not THE END)."""
    for paragraph in scene.action:
        flat = " ".join(paragraph.split())
        if len(flat) < 4 or flat.isupper():
            continue
        chosen = ""
        for sentence in SENTENCE.split(flat):
            if chosen and len(chosen) + len(sentence) > MAX_ACTION:
                break
            chosen = f"{chosen} {sentence}".strip()
        if len(chosen) > MAX_ACTION:  # one long sentence: cut it at a word
            chosen = chosen[:MAX_ACTION].rsplit(" ", 1)[0] + "…"
        return chosen
    return ""
