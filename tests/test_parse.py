"""The parse stage's parsers: every file of the shared corpus, each Fountain element, the reader's errors."""

from __future__ import annotations

import codecs
import itertools
import time
from pathlib import Path

import pytest

from scriptvid.errors import InputError
from scriptvid.model import Line, Scene, Script
from scriptvid.stages.parse.fountain import plain
from scriptvid.stages.parse.prompts import MOTIONS, image_prompt, motion_prompt
from scriptvid.stages.parse.reader import read_script

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the shared corpus is not at {CORPUS}")
SCRIPT_FILES = sorted(p.name for p in CORPUS.iterdir() if p.name != "SOURCES.md") if CORPUS.is_dir() else []


def corpus(name: str) -> Script:
    return read_script((CORPUS / name).read_bytes(), name)


def fountain(text: str) -> Script:
    return read_script(text.encode(), "test.fountain")


def everything(script: Script) -> str:
    """All the text a later stage could show or speak."""
    parts = [script.title, *script.title_page.values()]
    for scene in script.scenes:
        parts += [scene.heading, scene.location, scene.transition, scene.synopsis, scene.section]
        parts += scene.action
        parts += [f"{ln.character} {ln.parenthetical} {ln.text}" for ln in scene.dialogue]
    return "\n".join(parts)


def speakers(script: Script) -> set[str]:
    return {ln.character for scene in script.scenes for ln in scene.dialogue}


# --- the corpus --------------------------------------------------------------------------------------


@needs_corpus
@pytest.mark.parametrize("name", SCRIPT_FILES)
def test_every_corpus_file_parses_fast_into_scenes_with_prompts(name: str) -> None:
    data = (CORPUS / name).read_bytes()
    start = time.perf_counter()
    script = read_script(data, name)
    assert time.perf_counter() - start < 1.0
    assert script.scenes
    assert [s.number for s in script.scenes] == list(range(1, len(script.scenes) + 1))
    assert any(scene.dialogue for scene in script.scenes)
    for scene in script.scenes:
        assert scene.heading.strip()
        assert all(ln.text.strip() and ln.character.strip() for ln in scene.dialogue)
        assert motion_prompt(scene) in MOTIONS
        assert "storyboard illustration" in image_prompt(scene, script.title)


@needs_corpus
@pytest.mark.parametrize("name", [n for n in SCRIPT_FILES if n.endswith(".fountain")])
def test_fountain_scene_counts_match_screenplain(name: str) -> None:
    screenplain = pytest.importorskip("screenplain.parsers.fountain")
    from screenplain.types import Slug

    with codecs.open(str(CORPUS / name), "r", "utf-8-sig") as stream:
        expected = sum(isinstance(p, Slug) for p in screenplain.parse(stream))
    script = corpus(name)
    if expected == 0:
        # screenplain does not know the full-width "INT。" heading; we read it as the one scene it is.
        assert name == "afterwriting_japanese_fullwidth.fountain"
        assert len(script.scenes) == 1
    else:
        assert len(script.scenes) == expected


@needs_corpus
def test_brick_and_steel() -> None:
    script = corpus("brick_and_steel.fountain")
    assert script.title == "BRICK & STEEL FULL RETIRED"
    assert script.title_page["Author"] == "Stu Maschwitz"
    assert script.title_page["Contact"].split("\n") == [
        "Next Level Productions",
        "1588 Mission Dr.",
        "Solvang, CA 93463",
    ]
    first = script.scenes[0]
    assert (first.heading, first.location, first.time_of_day, first.interior) == (
        "EXT. BRICK'S PATIO - DAY",
        "BRICK'S PATIO",
        "DAY",
        "EXT",
    )
    assert first.characters == ("BRICK", "STEEL")
    assert first.transition == "SMASH CUT TO:"
    assert first.dialogue[-2] == Line("STEEL", "Screw retirement.")
    assert first.dialogue[-1] == Line("BRICK", "Screw retirement.", dual=True)
    assert Line("STEEL", "To retirement.", "beer raised") in first.dialogue
    assert {"BRICK", "STEEL", "JACK", "DAN", "COGNITO", "MINION", "HANDSOME MAN"} == speakers(script)
    jack = script.scenes[1].dialogue[0]
    assert jack == Line("JACK", "Did you know Brick and Steel are retired?", "in Vietnamese, subtitled")
    assert script.scenes[1].dialogue[1].text == "Then let's retire them. Permanently."
    assert [s.heading for s in script.scenes[3:5]] == ["SNIPER SCOPE POV", "OPENING TITLES"]
    assert "BRICK BRADDOCK\n& DICK STEEL IN" in script.scenes[4].action
    assert script.scenes[-1].transition == "BURN TO PINK."
    assert "THE END" in script.scenes[-1].action


@needs_corpus
def test_the_last_birthday_card() -> None:
    script = corpus("the_last_birthday_card.fountain")
    assert len(script.scenes) == 48
    assert script.title == "THE LAST BIRTHDAY CARD"
    first = script.scenes[0]
    assert (first.location, first.time_of_day, first.interior) == ("SAN FRANCISCO APARTMENT", "DAY", "INT")
    assert first.section == "Scott's SF Apartment"
    assert first.synopsis.startswith("Meet the players and set up the world.")
    assert first.synopsis.endswith("And his friend Baxter.")
    hallway = script.scenes[1]
    assert (hallway.location, hallway.time_of_day) == (
        "HALLWAY, SCOTT'S APARTMENT BUILDING",
        "A MOMENT LATER",
    )
    # A comma that is not followed by a time of day stays part of the place.
    gallery = next(s for s in script.scenes if "GALLERY" in s.heading)
    assert (gallery.location, gallery.time_of_day) == ("SOUTHERN EXPOSURE GALLERY, SOUTH OF MARKET", "")
    assert script.scenes[3].transition == "INTERCUT WITH:"
    assert script.scenes[4].transition == "FADE OUT."
    sections = {s.section for s in script.scenes}
    assert {
        "Scott's SF Apartment",
        "Baxter's Music Studio",
        "Nak's Home",
        "Nak's Hit",
    } <= sections
    assert "Scott and Nak Meet on the Job ##" not in sections
    assert "HERE WE GO:" not in everything(script)  # a transition before the first scene leads nowhere
    assert {"SCOTT", "BAXTER", "NAK", "BILLUPS"} <= speakers(script)


@needs_corpus
def test_kitchen_sink() -> None:
    script = corpus("afterwriting_kitchen_sink_test.fountain")
    text = everything(script)
    for hidden in (
        "Script note",
        "- blah",
        "inline note",
        "Ignored",
        "ignored",
        "/*",
        "*/",
        "[[",
        "]]",
        "multiline note",
    ):
        assert hidden not in text
    assert script.title_page["Title"] == "Screenplay title\nSecond line"
    assert script.title_page["Author"] == "Author 1,\nAuthor 2 & Author 3"
    assert script.title_page["Contact"] == "e-mail: email@email.com\nphone: +12 34 567 89"
    boneyard = script.scenes[1]
    assert boneyard.action[0] == "Action. Action. Action. Action."
    assert boneyard.action[1].startswith("Action. action. action. action. action.")
    assert "/*" not in boneyard.action[1] and "*/" not in boneyard.action[1]
    formatting = script.scenes[2].action[0]
    assert formatting.startswith("Normal test, underline test, italic test, bold test, bold and italic test")
    assert "*" not in formatting and "_" not in formatting
    escaping = script.scenes[3]
    assert escaping.action[:2] == ("What the f*ck! Escape_escape*escape.", "CENTERED, BOLD, UNDERLINE")
    assert escaping.transition == "TRANSITION:"
    assert "===" not in text
    assert script.scenes[4].heading == "FORCED HEADER"
    basic = script.scenes[0]
    assert basic.dialogue[1:] == (Line("HERO 2", "Blah blah."), Line("HERO 2", "Blah blah.", "parenthetical"))
    dual = script.scenes[6]
    assert [(ln.character, ln.dual) for ln in dual.dialogue] == [
        ("HERO 1", False),
        ("HERO 2", True),
        ("HERO 3", False),
    ]
    latin = script.scenes[8]
    assert latin.characters == ("POLISH", "GERMAN", "NORWEGIAN", "SPANISH")
    assert latin.dialogue[1].text == "Falsches Üben von Xylophonmusik quält jeden größeren Zwerg."
    forced = script.scenes[9]
    assert forced.heading == "WNĘTRZE. FORCED ELEMENTS - NIGHT"
    assert forced.action == ("INT. ACTION",)
    assert forced.dialogue == (Line("MCCABE", "Happy birthday to you!", "singing"),)
    assert forced.transition == "FADE TO GREEN."
    last = script.scenes[10]
    assert last.section == "Subsection"
    assert last.synopsis == "Section synopsis Subsection synopsis Additional synopsis Scene synopsis"
    assert last.transition == "THE END."


@needs_corpus
def test_utf8_emoji_and_scene_numbers() -> None:
    script = corpus("fountain_tools_utf8_emoji_scene_numbers.fountain")
    first = script.scenes[0]
    assert (first.location, first.time_of_day) == ("SCEHE 1", "DAY")  # split on an em dash
    assert first.dialogue == (Line("DAVE", "Nice day, right?"),)
    assert first.transition == "CUT TO:"
    assert script.scenes[1].heading == "EXT. OLYMPIA CIRCUS - NIGHT"  # "ext." in lower case
    assert script.scenes[2].dialogue == (Line("JIM😆", "Bye!"),)
    numbered = script.scenes[3]
    assert (numbered.heading, numbered.scene_number, numbered.interior) == (
        "INT./EXT. HEADER WITH SCENENUM",
        "3",
        "INT/EXT",
    )
    assert script.scenes[4].scene_number == ""  # an emoji is not a scene number
    assert script.title == "Fountain Tools Utf8 Emoji Scene Numbers"


@needs_corpus
def test_japanese() -> None:
    script = corpus("afterwriting_japanese_fullwidth.fountain")
    assert script.title == "映画"
    assert script.title_page["Author"] == "匿名"
    (scene,) = script.scenes
    assert (scene.interior, scene.location, scene.time_of_day) == ("INT", "病院", "日")
    assert scene.dialogue == (Line("ジョン", "この場所は何ですか？", "失われた"),)
    assert scene.transition == "フェードアウト。"
    assert "フェードイン：" not in everything(script)


@needs_corpus
def test_youtube_video_script() -> None:
    script = corpus("youtube_script_indoor_aquariums_narrator_visual.md")
    assert script.format == "video-script"
    assert script.title == "Indoor Aquarium Tour"
    assert len(script.scenes) >= 10
    assert all(s.heading.startswith("Script — shot ") for s in script.scenes)
    assert speakers(script) == {"NARRATOR"}
    first = script.scenes[0]
    assert first.dialogue[0].text.startswith("Well, it's time for another video")
    assert first.action[0].startswith("Supercut of news clips")
    assert all(ln.is_narration for s in script.scenes for ln in s.dialogue)
    text = everything(script)
    assert "[VISUAL]" not in text and "Draft script" not in text and "<youtube_id>" not in text
    lines = sum(len(s.dialogue) for s in script.scenes)
    visuals = sum(len(s.action) for s in script.scenes)
    assert (lines, visuals) == (17, 13)  # every [NARRATOR]: and [VISUAL]: line of the file


@needs_corpus
def test_importance_of_being_earnest() -> None:
    script = corpus("importance_of_being_earnest_gutenberg_play.txt")
    assert script.format == "stage-play"
    assert script.title == "The Importance of Being Earnest"
    assert script.title_page["Author"] == "Oscar Wilde"
    assert [s.heading for s in script.scenes] == [
        "FIRST ACT — Morning-room in Algernon's flat in Half-Moon Street",
        "SECOND ACT — Garden at the Manor House",
        "THIRD ACT — Morning-room at the Manor House",
    ]
    text = everything(script)
    for boilerplate in (
        "Project Gutenberg",
        "PROJECT GUTENBERG",
        "license",
        "License",
        "THE PERSONS IN THE PLAY",
    ):
        assert boilerplate not in text
    assert {
        "JACK",
        "ALGERNON",
        "LADY BRACKNELL",
        "GWENDOLEN",
        "CECILY",
        "MISS PRISM",
        "CHASUBLE",
    } <= speakers(script)
    lines = sum(len(s.dialogue) for s in script.scenes)
    assert 850 <= lines <= 1000  # about 880 cues, some split at a direction
    act1 = script.scenes[0]
    assert act1.dialogue[0] == Line("ALGERNON", "Did you hear what I was playing, Lane?")
    assert Line(
        "ALGERNON", "I don't know that I am much interested in your family life, Lane.", "Languidly"
    ) in (act1.dialogue)
    assert act1.action[1] == (
        "Lane is arranging afternoon tea on the table, and after the music has ceased, Algernon enters."
    )
    assert act1.transition == "ACT DROP"
    assert script.scenes[-1].transition == "TABLEAU"
    assert script.scenes[-1].dialogue[-1].text.endswith("the vital Importance of Being Earnest.")


# --- Fountain elements -------------------------------------------------------------------------------


def test_heading_variants_and_scene_fields() -> None:
    script = fountain(
        "INT. KITCHEN - NIGHT\n\nA.\n\nEXT. PIER — DAWN #12A#\n\nB.\n\nINT./EXT. CAR - CONTINUOUS\n\nC.\n\n"
        "I/E TRUCK - DAY\n\nD.\n\nEST. CITY\n\nE.\n\n.INSIDE THE VAN\n\nF.\n\n..not a heading\n\n"
        "int house - day\n\nG."
    )
    fields = [(s.interior, s.location, s.time_of_day, s.scene_number) for s in script.scenes]
    assert fields == [
        ("INT", "KITCHEN", "NIGHT", ""),
        ("EXT", "PIER", "DAWN", "12A"),
        ("INT/EXT", "CAR", "CONTINUOUS", ""),
        ("INT/EXT", "TRUCK", "DAY", ""),
        ("EXT", "CITY", "", ""),
        ("", "INSIDE THE VAN", "", ""),
        ("INT", "HOUSE", "DAY", ""),
    ]
    assert script.scenes[5].action == ("F.", "..not a heading")


def test_dialogue_with_extensions_parentheticals_and_line_breaks() -> None:
    script = fountain(
        "INT. ROOM - DAY\n\nBOB (V.O.) (CONT'D)\n(quietly)\nFirst line\nwraps here.\n(beat)\nSecond.\n\n"
        "@McCoy\nHi.\n\nALICE (on the radio)\nOver.\n\nR2D2\nBeep.\n"
    )
    (scene,) = script.scenes
    assert scene.dialogue == (
        Line("BOB", "First line wraps here.", "quietly", "V.O."),
        Line("BOB", "Second.", "beat", "V.O."),
        Line("MCCOY", "Hi."),
        Line("ALICE", "Over.", "", "on the radio"),
        Line("R2D2", "Beep."),
    )
    assert scene.dialogue[0].is_narration
    assert scene.characters == ("BOB", "MCCOY", "ALICE", "R2D2")


def test_a_cue_needs_a_blank_line_before_and_text_after() -> None:
    (scene,) = fountain("INT. ROOM - DAY\n\nSHOUTING IN CAPS\n\nTwo lines\nBOB\nHello.\n").scenes
    assert scene.dialogue == ()
    assert scene.action == ("SHOUTING IN CAPS", "Two lines\nBOB\nHello.")


def test_action_names_speakers_in_capitals_but_not_sound_effects() -> None:
    (scene,) = fountain(
        "INT. ROOM - DAY\n\nMARY enters. A LOUD BANG.\n\nTOM\nWho's there?\n\nMARY\nMe.\n\nLater TOM sits.\n"
    ).scenes
    assert scene.characters == ("MARY", "TOM")


def test_transitions_centered_lyrics_page_breaks() -> None:
    script = fountain(
        "FADE IN:\n\nINT. A - DAY\n\n>THE END<\n\n~Sing a song\n~of sixpence\n\n===\n\nCUT TO:\n\n"
        "EXT. B - NIGHT\n\n!SHOUTED ACTION\n\n> FADE TO BLACK.\n"
    )
    first, second = script.scenes
    assert first.action == ("THE END", "♪ Sing a song\n♪ of sixpence")
    assert first.transition == "CUT TO:"
    assert second.action == ("SHOUTED ACTION",)
    assert second.transition == "FADE TO BLACK."
    assert "FADE IN" not in everything(script)


def test_dual_dialogue_marks_only_the_second_speaker() -> None:
    (scene,) = fountain("INT. A - DAY\n\nBRICK\nScrew it.\n\nSTEEL ^\nScrew it.\n(laughing)\nYes.\n").scenes
    assert [(ln.character, ln.dual) for ln in scene.dialogue] == [
        ("BRICK", False),
        ("STEEL", True),
        ("STEEL", True),
    ]


def test_notes_and_boneyard_never_reach_the_scene() -> None:
    script = fountain(
        "INT. A - DAY\n\nBOB\n[[a note\non two lines]]\nHello [[aside]]there.\n\n"
        "/* cut\n\n/* nested */ still cut\n*/\n\n"
        "Kept./*gone*/ Also kept.\n"
    )
    (scene,) = script.scenes
    assert scene.dialogue == (Line("BOB", "Hello there."),)
    assert scene.action == ("Kept. Also kept.",)
    assert "note" not in everything(script) and "cut" not in everything(script)


def test_sections_and_synopses() -> None:
    script = fountain(
        "# Act One\n\n= The setup.\n\n## Home\n\nINT. HOUSE - DAY\n\n= Scene synopsis.\n\nA.\n\n"
        "# Act Two\n\n### Deep\n\nEXT. YARD - NIGHT\n\nB.\n"
    )
    first, second = script.scenes
    assert (first.section, first.synopsis) == ("Home", "The setup. Scene synopsis.")
    assert (second.section, second.synopsis) == ("Deep", "")


def test_title_page_and_text_before_the_first_heading() -> None:
    script = fountain("Title: **My Film**\nAuthor:\n\tAnn\n\tBen\n\nJOE\nHi.\n\nINT. A - DAY\n\nAction.\n")
    assert script.title == "My Film"
    assert script.title_page == {"Title": "My Film", "Author": "Ann\nBen"}
    opening, scene = script.scenes
    assert opening.heading == "MY FILM"
    assert opening.dialogue == (Line("JOE", "Hi."),)
    assert scene.heading == "INT. A - DAY"


def test_emphasis_is_removed_and_escapes_are_kept() -> None:
    assert plain("*a* **b** ***c*** _d_ _**e**_ \\*f\\* g\\_h") == "a b c d e *f* g_h"
    assert plain("2 * 3 * 4") == "2 * 3 * 4"


# --- loose formats -------------------------------------------------------------------------------------


def test_dialogue_text_with_headings() -> None:
    script = read_script(
        b"# Morning\n\nALICE: Good morning.\nStill me.\n\nBOB: Hi.\n\n# Night\n\nALICE: Good night.\n",
        "chat.txt",
    )
    assert script.format == "dialogue"
    assert [s.heading for s in script.scenes] == ["Morning", "Night"]
    assert script.scenes[0].dialogue == (Line("ALICE", "Good morning. Still me."), Line("BOB", "Hi."))
    assert script.title == "Morning"


def test_video_script_labels() -> None:
    text = (
        "---\ntitle: x\n---\n# My Video\n\n## Intro\n\n**HOST:** Welcome *back*.\n\n"
        "[B-ROLL]: A [city](http://x) at dusk.\n"
        "[SFX]: Whoosh.\n\n[HOST]: Next.\n\n## Links\n\n- [one](http://a)\n- [two](http://b)\n"
    )
    script = read_script(text.encode(), "video.md")
    assert script.title == "My Video"
    first, second = script.scenes
    assert (first.heading, second.heading) == ("Intro — shot 1", "Intro — shot 2")
    assert first.dialogue == (Line("HOST", "Welcome back."),)
    assert first.action == ("A city at dusk.", "Whoosh.")
    assert second.dialogue == (Line("HOST", "Next."),)


def test_small_stage_play_without_gutenberg() -> None:
    text = (
        "ACT I\n\nSCENE 1. A garden.\n\nAnna.  [Smiling.]  Hello, Ben.  [She sits.]\n\nBen.  Hello.\n\n"
        "Anna.  Bye.\n\nBen.  Bye, Anna.\n\nSCENE 2. A street.\n\nAnna.  Again!\n\nCURTAIN\n"
    )
    script = read_script(text.encode(), "two-friends.txt")
    assert script.format == "stage-play"
    assert script.title == "Two Friends"
    first, second = script.scenes
    assert first.heading == "ACT I — A garden"
    assert first.dialogue[0] == Line("ANNA", "Hello, Ben.", "Smiling")
    assert "She sits." in first.action
    assert (second.heading, second.location) == ("ACT I, SCENE 2 — A street", "A street")
    assert second.transition == "CURTAIN"


# --- the reader ----------------------------------------------------------------------------------------


def test_reader_rejects_empty_and_whitespace() -> None:
    for data in (b"", b" \n\t\r\n  "):
        with pytest.raises(InputError, match="empty") as caught:
            read_script(data, "blank.fountain")
        assert caught.value.file == "blank.fountain"


def test_reader_rejects_binary() -> None:
    with pytest.raises(InputError, match="this is not a text file"):
        read_script(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "picture.fountain")
    with pytest.raises(InputError, match="this is not a text file"):
        read_script(bytes(range(1, 32)) * 20 + b"\xff", "noise.txt")


def test_reader_decodes_utf16_and_bom_and_line_endings() -> None:
    text = "Title: Ünïcode\r\n\r\nINT. CAFÉ - DAY\r\rZOË\r\nBonjour.\r\n"
    for data in (
        text.encode("utf-16"),
        codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
        codecs.BOM_UTF8 + text.encode(),
    ):
        script = read_script(data, "cafe.fountain")
        assert script.title == "Ünïcode"
        assert script.scenes[0].location == "CAFÉ"
        assert script.scenes[0].dialogue == (Line("ZOË", "Bonjour."),)


def test_reader_falls_back_to_windows_1252_only_when_it_is_clean() -> None:
    script = read_script("INT. CAFÉ - DAY\n\nBOB\nIt’s fine.\n".encode("cp1252"), "old.fountain")
    assert script.scenes[0].dialogue[0].text == "It’s fine."
    good = "INT. CAFÉ - DAY\n\nBOB\nHi.\n".encode()
    with pytest.raises(InputError, match=f"not valid UTF-8: byte {len(good) + 1} \\(0xff\\)") as caught:
        read_script(good + b"\n\xff\n", "broken.fountain")
    assert caught.value.line == 6


def test_reader_names_what_it_expected_and_the_scene_limit() -> None:
    with pytest.raises(InputError, match="no scene found; expected Fountain scene headings"):
        read_script(b"# Only a heading\n", "notes.md")
    many = "".join(f"INT. ROOM {n} - DAY\n\nAction.\n\n" for n in range(5)).encode()
    assert len(read_script(many, "five.fountain", max_scenes=5).scenes) == 5
    with pytest.raises(InputError, match="more than the limit of 4"):
        read_script(many, "five.fountain", max_scenes=4)


# --- prompts ---------------------------------------------------------------------------------------------


def test_image_prompt_describes_place_time_people_and_action() -> None:
    scene = Scene(
        number=1,
        heading="EXT. LIGHTHOUSE - NIGHT",
        location="LIGHTHOUSE",
        time_of_day="NIGHT",
        interior="EXT",
        action=("Waves crash against the rocks. A lamp turns. Gulls scatter.",),
        characters=("ANNA", "NARRATOR"),
        dialogue=(Line("NARRATOR", "It was late."), Line("ANNA", "Look!")),
    )
    prompt = image_prompt(scene, "The Lighthouse")
    assert prompt.startswith("Exterior, lighthouse, at night. With Anna. Waves crash against the rocks.")
    assert "Narrator" not in prompt
    assert prompt.endswith(
        'A scene from "The Lighthouse", storyboard illustration, flat colours, clean lines.'
    )


def test_motion_prompt_follows_the_scene() -> None:
    def scene(number: int, action: str, interior: str = "INT", lines: int = 0, transition: str = "") -> Scene:
        talk = tuple(Line("AB"[i % 2], "x") for i in range(lines))
        return Scene(number, "H", interior=interior, action=(action,), dialogue=talk, transition=transition)

    assert motion_prompt(scene(1, "The car chase begins.")) == "pan right"
    assert motion_prompt(scene(2, "The car chase begins.")) == "pan left"
    assert motion_prompt(scene(3, "They talk.", lines=4)) == "push in"
    assert motion_prompt(scene(4, "She walks.", transition="FADE OUT.")) == "pull out"
    assert motion_prompt(scene(5, "A quiet field.", interior="EXT")) == "pan left"
    assert motion_prompt(scene(6, "A quiet field.", interior="EXT")) == "pull out"
    calm = [motion_prompt(scene(n, "He reads.")) for n in range(1, 7)]
    assert all(a != b for a, b in itertools.pairwise(calm))
    assert set(calm) <= set(MOTIONS)


WORLD_SCRIPT = """\
Titel: Die Küche
Autor: Ana Berg

12   KÜCHE - NACHT   12

Anna steht am Herd. Es regnet.

ANNA
Wo bleibst du so lange?

BEN
Der Bus kam nicht.

13A. STRASSE – TAG

Ben läuft durch den Regen. 3 MEN RUN IN.

3 MEN RUN IN.

BEN
Nie wieder.

INTÉRIEUR CAFÉ - JOUR

Marie sitzt allein.

MARIE
Encore un café.

AUSSEN. HAFEN - MORGEN

Die Möwen.
"""


@pytest.mark.parametrize("name", ["die-kueche.txt", "die-kueche.fountain"])
def test_headings_in_other_languages_without_int_or_ext(name: str) -> None:
    """A German or French script written without Fountain's INT./EXT.: numbered headings in capitals
    with a place and a time, another language's words for inside and outside, its title page keys."""
    script = read_script(WORLD_SCRIPT.encode(), name)
    assert script.format == "fountain"
    assert (script.title, script.title_page.get("Author")) == ("Die Küche", "Ana Berg")
    assert [(s.heading, s.location, s.time_of_day, s.interior) for s in script.scenes] == [
        ("KÜCHE - NACHT", "KÜCHE", "NACHT", ""),
        ("STRASSE – TAG", "STRASSE", "TAG", ""),
        ("INTÉRIEUR CAFÉ - JOUR", "CAFÉ", "JOUR", "INT"),
        ("AUSSEN. HAFEN - MORGEN", "HAFEN", "MORGEN", "EXT"),
    ]
    assert [s.scene_number for s in script.scenes[:2]] == ["12", "13A"]
    assert [[ln.character for ln in s.dialogue] for s in script.scenes] == [
        ["ANNA", "BEN"],
        ["BEN"],
        ["MARIE"],
        [],
    ]
    # A line in capitals that only starts with a number is action, as before.
    assert "3 MEN RUN IN." in script.scenes[1].action
