"""The answers the LLM parser asks for, as pydantic models: their JSON schema goes to the model
(Ollama's structured output), and every answer is validated against them. Imported only by the
LLM parser when it runs (pydantic comes with the ollama client, in the `ai` extra)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class LineOut(BaseModel):
    character: str = Field(min_length=1)
    text: str = Field(min_length=1)
    parenthetical: str = ""


class SceneOut(BaseModel):
    heading: str = Field(min_length=1, description="like INT. KITCHEN - NIGHT")
    location: str = ""
    time_of_day: str = ""
    interior: str = Field("", pattern=r"^(INT|EXT|INT/EXT)?$")
    action: list[str] = Field(description="what we see, in sentences")
    characters: list[str]
    dialogue: list[LineOut]
    transition: str = ""
    image_prompt: str = Field(min_length=1, description="the picture: place, light, people, style")
    motion_prompt: str = Field(min_length=1, description="a camera move or the motion, in a few words")


class ScenesOut(BaseModel):
    scenes: list[SceneOut] = Field(min_length=1)


class PromptOut(BaseModel):
    number: int
    image_prompt: str = Field(min_length=1)
    motion_prompt: str = Field(min_length=1)


class PromptsOut(BaseModel):
    scenes: list[PromptOut] = Field(min_length=1)
