"""Which place a scene is drawn in, from the words of its location, heading, prompt and action."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ....model import Scene
from .canvas import Canvas, Ctx
from .exteriors import (
    beach,
    car,
    desert,
    forest,
    garden,
    generic_exterior,
    lake,
    mountain,
    park,
    rooftop,
    station,
    street,
)
from .interiors import (
    aquarium,
    bar,
    bedroom,
    church,
    classroom,
    hallway,
    hospital,
    kitchen,
    lab,
    living_room,
    office,
    theatre,
)
from .props import (
    draw_floor_lamp,
    draw_picture,
    draw_plant,
    draw_room,
    draw_shelves,
    draw_window,
)


@dataclass(frozen=True)
class Setting:
    name: str
    pattern: str  # words that name this place
    interior: bool  # what it is when the heading says neither INT nor EXT
    draw: Callable[[Canvas, Ctx], None]
    close: bool = False  # figures seen from the waist up (inside a car)


# Most specific first: "living room" before "room", "rooftop" before "street", "fish tank" before "lake".
SETTINGS: tuple[Setting, ...] = (
    Setting("aquarium", r"AQUARIUM|FISH ?TANK|OCEANARIUM", True, aquarium),
    Setting("rooftop", r"ROOFTOPS?|ROOF|TERRACE|BALCONY", False, rooftop),
    Setting("car", r"CAR|TRUCK|TAXI|CAB|VAN|JEEP|LIMO|LIMOUSINE|PICKUP|SEDAN", True, car, close=True),
    Setting("station", r"STATION|TRAIN|PLATFORM|SUBWAY|METRO|RAILWAY|TUBE", False, station),
    Setting("kitchen", r"KITCHEN|KITCHENETTE|PANTRY", True, kitchen),
    Setting("bedroom", r"BEDROOM|BEDROOMS|DORM|DORMITORY|NURSERY|MOTEL ROOM|HOTEL ROOM", True, bedroom),
    Setting(
        "living room",
        r"LIVING ROOM|LOUNGE|APARTMENT|FLAT|DEN|SITTING ROOM|FAMILY ROOM|PARLOU?R",
        True,
        living_room,
    ),
    Setting("classroom", r"CLASSROOM|SCHOOL|LECTURE HALL|UNIVERSITY|COLLEGE", True, classroom),
    Setting("hospital", r"HOSPITAL|CLINIC|WARD|ICU|EMERGENCY ROOM|OPERATING ROOM|INFIRMARY", True, hospital),
    Setting(
        "office",
        r"OFFICE|OFFICES|CUBICLE|CONFERENCE ROOM|MEETING ROOM|BOARDROOM|BANK|AGENCY|NEWSROOM|STUDIO",
        True,
        office,
    ),
    Setting(
        "bar",
        r"BAR|PUB|TAVERN|SALOON|RESTAURANT|CAFE|CAFÉ|COFFEE ?SHOP|DINER|NIGHTCLUB|CLUB|BISTRO",
        True,
        bar,
    ),
    Setting("church", r"CHURCH|CHAPEL|CATHEDRAL|TEMPLE|MOSQUE|SYNAGOGUE", True, church),
    Setting("theatre", r"THEATRE|THEATER|STAGE|AUDITORIUM|CINEMA|CONCERT HALL|OPERA", True, theatre),
    Setting("hallway", r"HALLWAY|CORRIDOR|HALL|LOBBY|STAIRWELL|FOYER|ENTRANCE", True, hallway),
    Setting(
        "library",
        r"LIBRARY|BOOKSTORE|BOOKSHOP|STUDY|ARCHIVES?",
        True,
        lambda cv, ctx: draw_shelves(cv, ctx, "books"),
    ),
    Setting(
        "shop",
        r"SHOP|STORE|SUPERMARKET|MARKET|MALL|BOUTIQUE|GROCERY|PHARMACY|BAKERY",
        True,
        lambda cv, ctx: draw_shelves(cv, ctx, "products"),
    ),
    Setting(
        "warehouse",
        r"WAREHOUSE|FACTORY|GARAGE|HANGAR|STORAGE|BARN|WORKSHOP|DEPOT",
        True,
        lambda cv, ctx: draw_shelves(cv, ctx, "boxes"),
    ),
    Setting("lab", r"LAB|LABORATORY", True, lab),
    Setting(
        "beach", r"BEACH|SEA|OCEAN|SHORE|SEASHORE|COAST|SEASIDE|HARBOU?R|PIER|DOCK|BOARDWALK", False, beach
    ),
    Setting("forest", r"FOREST|WOODS|WOODLAND|JUNGLE|CLEARING|GROVE|CAMPSITE|TRAIL", False, forest),
    Setting("park", r"PARK|PLAYGROUND|MEADOW|FIELD|LAWN|CEMETERY|GRAVEYARD", False, park),
    Setting("desert", r"DESERT|DUNES?|CANYON|BADLANDS", False, desert),
    Setting("mountain", r"MOUNTAINS?|HILLS?|HILLTOP|CLIFF|VALLEY|PEAK|SUMMIT|RIDGE", False, mountain),
    Setting("lake", r"LAKE|LAKESIDE|RIVER|RIVERBANK|POND|STREAM|CREEK|BRIDGE|CANAL", False, lake),
    Setting("garden", r"GARDEN|BACKYARD|YARD|FARM|PORCH|PATIO|ORCHARD|FRONT LAWN", False, garden),
    Setting(
        "street",
        r"STREETS?|CITY|ROAD|AVENUE|ALLEY|ALLEYWAY|DOWNTOWN|SIDEWALK|TOWN|SQUARE|INTERSECTION|BOULEVARD|PARKING|HIGHWAY|CROSSWALK",
        False,
        street,
    ),
)
_GENERIC_INTERIOR = Setting("room", "", True, lambda cv, ctx: _generic_interior(cv, ctx))
_GENERIC_EXTERIOR = Setting("outdoors", "", False, generic_exterior)


def _generic_interior(cv: Canvas, ctx: Ctx) -> None:
    W, H = ctx.W, ctx.H
    _, _, fy = draw_room(
        cv, ctx, ("#ece4d4", "#dfe6ec", "#efe0d6", "#e3ead8"), ("#b08968", "#a39281", "#c2a383")
    )
    wx = W * ctx.u(0.08, 0.2)
    draw_window(
        cv, ctx, wx, H * 0.12, wx + W * 0.17, H * 0.48, curtains=ctx.pick(("#e5989b", "#84a59d", "#f2cc8f"))
    )
    dx = W * ctx.u(0.7, 0.8)
    cv.rect(dx - H * 0.012, fy - H * 0.46, dx + W * 0.09 + H * 0.012, fy, "#fbfaf5")
    cv.rect(dx, fy - H * 0.45, dx + W * 0.09, fy, ctx.pick(("#8b5e3c", "#5b8e7d", "#3d5a80")))
    cv.circle(dx + W * 0.075, fy - H * 0.22, H * 0.008, "#e0a458")
    draw_picture(cv, ctx, W * ctx.u(0.4, 0.5), H * 0.16, W * 0.12, H * 0.16)
    draw_plant(cv, ctx, wx + W * 0.22, fy + H * 0.01, H * 0.2)
    draw_floor_lamp(cv, ctx, dx - W * 0.08, fy + H * 0.01, H * 0.45)


def choose_setting(scene: Scene, prompt: str) -> Setting:
    """The place: named by the location, else the heading, else the prompt or action.

    In a location the last place word wins, because English puts the head noun last: a
    "HARBOUR TOWN STREET" is a street, a "BEACH HOUSE KITCHEN" a kitchen. A place that matches
    the heading's INT or EXT goes before one that does not ("EXT. ROOFTOP BAR" is a rooftop).
    Words in the prompt and action count only for places on the heading's side: a "wall" in the
    action of an EXT. scene does not bring it indoors.
    """
    side = scene.interior.upper()
    wanted = True if side == "INT" else False if side == "EXT" else None
    for text in (scene.location, scene.heading, f"{prompt} {' '.join(scene.action)}"):
        upper = text.upper()
        found = [
            (m.end(), -i, s)
            for i, s in enumerate(SETTINGS)
            for m in re.finditer(rf"\b(?:{s.pattern})\b", upper)
        ]
        if found:
            if text is scene.location or text is scene.heading:
                return max(found, key=lambda f: (f[2].interior == wanted, f[0], f[1]))[2]
            found = [f for f in found if wanted is None or f[2].interior == wanted]
            if found:
                return min(found, key=lambda f: (-f[1], f[0]))[2]
    return _GENERIC_INTERIOR if scene.interior.upper().startswith("INT") else _GENERIC_EXTERIOR
