"""The answers the LLM parser asks for, as pydantic models: their JSON schema goes to the model
(Ollama's structured output), and every answer is validated against them. Imported only by the
LLM parser when it runs (pydantic comes with the ollama client, in the `ai` extra).

Every string and list has a bound: a model held to a grammar without one may write a single field
for ever (a small model does), and an answer must end within its token budget to be JSON at all.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

NAME = 60
SENTENCE = 600


class LineOut(BaseModel):
    character: str = Field(min_length=1, max_length=NAME)
    text: str = Field(min_length=1, max_length=SENTENCE)
    parenthetical: str = Field("", max_length=NAME)


class SceneOut(BaseModel):
    heading: str = Field(min_length=1, max_length=120, description="like INT. KITCHEN - NIGHT")
    location: str = Field("", max_length=NAME)
    time_of_day: str = Field("", max_length=NAME)
    interior: str = Field("", pattern=r"^(INT|EXT|INT/EXT)?$")
    action: list[str] = Field(max_length=20, description="what we see, in sentences")
    characters: list[str] = Field(max_length=20)
    dialogue: list[LineOut] = Field(max_length=200)
    transition: str = Field("", max_length=40)
    image_prompt: str = Field(
        min_length=1, max_length=SENTENCE, description="the picture: place, light, people, style"
    )
    motion_prompt: str = Field(min_length=1, max_length=120, description="a camera move or the motion")


class ScenesOut(BaseModel):
    scenes: list[SceneOut] = Field(min_length=1, max_length=60)


class PromptOut(BaseModel):
    number: int
    image_prompt: str = Field(min_length=1, max_length=SENTENCE)
    motion_prompt: str = Field(min_length=1, max_length=120)


class PromptsOut(BaseModel):
    scenes: list[PromptOut] = Field(min_length=1, max_length=200)
