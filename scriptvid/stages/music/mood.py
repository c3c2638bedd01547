"""Reading a script for its music: the mood of the whole, and how intense each scene is.

Any music backend can use these: a composed score chooses its style by the mood and its dynamics by
the intensities; a generated one can put both into its prompt.
"""

from __future__ import annotations

import math
import re

MOODS = ("calm", "warm", "tense", "sad", "upbeat", "mysterious", "epic", "playful")

# Word stems per mood by weight ("road_trip" is a phrase). A stem of four letters or more also
# matches longer words ("chas": chase, chased, chasing); a shorter one itself and its plural only.
_MOOD_WORDS: dict[str, dict[int, str]] = {
    "tense": {
        3: "chas gun gunshot gunfire scream bomb hostage pistol",
        2: (
            "shoot shot siren blood knife kill danger threat panic escap trap explo attack pursu "
            "terrif alarm weapon flee fled hunt sprint"
        ),
        1: "run ran running hide hiding fear footstep crash grab struggl",
    },
    "sad": {
        4: "funeral",
        3: "tear goodbye mourn grief griev sorrow weep wept coffin cemetery farewell",
        2: "cry cries crying cried grave loss died death dying lonely sob sobs regret",
        1: "alone miss empty memor rain hospital sorry lost",
    },
    "calm": {
        2: "quiet peace calm breeze sunrise meadow relax seren",
        1: "gentl still morning lake tea slowly rest sleep silen garden waves soft",
    },
    "warm": {
        2: "smil love family hug hugs embrac warm kiss tender grateful wedding",
        1: "home friend together kitchen dinner thank birthday laugh",
    },
    "upbeat": {
        3: "danc party celebrat festival hooray",
        2: "cheer victory sunny excit fun concert beach road_trip skate",
        1: "win wins music bright crowd summer",
    },
    "mysterious": {
        3: "myster ghost eerie",
        2: (
            "shadow fog mist strange secret whisper unknown ancient hidden clue moonlight silhouet "
            "vanish disappear cellar attic creak"
        ),
        1: "dark candle locked puzzl lighthouse night",
    },
    "epic": {
        3: "battle army armies kingdom sword empire glory dragon throne destiny warrior",
        2: "king queen war hero legend banner fleet summit soldier",
        1: "mountain storm charge vast horizon",
    },
    "playful": {
        3: "giggl silly prank tickl puppy mischie clown",
        2: "bounc kitten joke grin wink tiptoe balloon bubble chuckl cookie cartoon",
        1: "cat dog teas toy toys laugh",
    },
}

# Stems of action words, matched like the mood words; a scene full of them is an intense one.
_ACTION = (
    "run ran chas shout scream yell crash explo fight punch kick shoot shot gun fired firing slam smash "
    "grab race racing rush flee fled jump fall fell attack bang burst sprint storm hit dash dive leap "
    "struggl collaps break broke shatter throw threw charg stab bleed dodg tackl"
)

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


def _matches(word: str, stem: str) -> bool:
    if len(stem) >= 4:
        return word.startswith(stem)
    return word in (stem, stem + "s")


def guess_mood(text: str) -> str:
    """The mood whose keywords weigh most in `text`; "warm" when none stands out."""
    lowered = text.lower()
    words = _WORD.findall(lowered)
    scores = dict.fromkeys(MOODS, 0.0)
    for mood, lexicon in _MOOD_WORDS.items():
        for weight, stems in lexicon.items():
            for stem in stems.split():
                if "_" in stem:  # a phrase
                    scores[mood] += weight * lowered.count(stem.replace("_", " "))
                else:
                    scores[mood] += weight * sum(1 for w in words if _matches(w, stem))
    best = max(MOODS, key=lambda m: scores[m])  # first in MOODS wins a tie: deterministic
    return best if scores[best] >= 2 else "warm"


def scene_intensity(text: str) -> float:
    """How much is going on in a scene, 0..1: action verbs, exclamations, shouting, dialogue density."""
    words = _WORD.findall(text.lower())
    if not words:
        return 0.1
    stems = _ACTION.split()
    action = sum(1 for w in words if any(_matches(w, s) for s in stems)) / len(words)
    sentences = max(1, len(re.findall(r"[.!?]+", text)))
    exclaim = text.count("!") / sentences
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    # A character cue is a short line in capitals (screenplay) or a "NAME:" prefix (loose scripts).
    cues = sum(
        1
        for ln in lines
        if (ln.isupper() and len(ln.split()) <= 4 and not ln.startswith(("INT", "EXT")))
        or re.match(r"^\[?[A-Z][A-Z .'-]{1,30}\]?:", ln)
    )
    dialogue = cues / len(lines) if lines else 0.0
    # Capitals inside a mixed-case line are shouting; a line all in capitals is a heading or a cue.
    shouting = sum(len(re.findall(r"\b[A-Z]{3,}\b", ln)) for ln in lines if not ln.isupper())
    shouting_rate = shouting / len(words)
    x = 10 * action + 0.9 * min(exclaim, 1.5) + 0.8 * dialogue + 3 * shouting_rate
    return round(min(1.0, 0.1 + 0.9 * (1 - math.exp(-x))), 3)
