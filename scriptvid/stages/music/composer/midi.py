"""The parts written out as a type-1 MIDI file: tempo map, expression curve, notes per channel."""

from __future__ import annotations

import math

import mido

from .parts import TPB, Part, intensity_at
from .plan import Plan


def to_midi(parts: dict[str, Part], score: Plan) -> mido.MidiFile:
    """The parts as MIDI, with the tempo map and the expression curve of `score`."""
    tempo, key, cues, intro = score.tempo, score.key, score.cues, score.intro
    final_start, final_end, end_beat = score.final_start, score.final_end, score.end_beat

    def tick(beat: float) -> int:
        return max(0, round(beat * TPB))

    def track(events: list[tuple[int, int, mido.Message | mido.MetaMessage]]) -> mido.MidiTrack:
        events.sort(key=lambda e: (e[0], e[1]))
        out = mido.MidiTrack()
        now = 0
        for t, _order, msg in events:
            out.append(msg.copy(time=t - now))
            now = t
        out.append(mido.MetaMessage("end_of_track", time=max(0, tick(end_beat) - now)))
        return out

    midi = mido.MidiFile(type=1, ticks_per_beat=TPB)
    meta: list[tuple[int, int, mido.Message | mido.MetaMessage]] = [
        (0, 0, mido.MetaMessage("track_name", name="scriptvid score")),
        (0, 0, mido.MetaMessage("key_signature", key=key)),
        (0, 0, mido.MetaMessage("time_signature", numerator=4, denominator=4)),
    ]
    for beat, spb in tempo.changes:
        meta.append((tick(beat), 1, mido.MetaMessage("set_tempo", tempo=round(spb * 1e6))))
    midi.tracks.append(track(meta))

    # Expression, sampled every 50 ms: the intro fades in, each scene's intensity is approached
    # smoothly (time constant 0.7 s), and the final chord dies away a little as it rings.
    intro_end = min(3.0, tempo.seconds(4.0 * intro) if intro else tempo.seconds(final_end) / 4)
    t_final, t_end = tempo.seconds(final_start), tempo.seconds(final_end)
    curve: list[tuple[int, int]] = []
    smooth = intensity_at(cues, 0.0)
    t, dt = 0.0, 0.05
    while t < tempo.seconds(end_beat):
        smooth += (intensity_at(cues, t) - smooth) * (1 - math.exp(-dt / 0.7))
        value = 92 + 35 * smooth
        value *= min(1.0, 0.5 + 0.5 * t / intro_end) if intro_end > 0 else 1.0
        if t > t_final:
            value *= 1 - 0.2 * min(1.0, (t - t_final) / max(t_end - t_final, 1e-3))
        cc = max(1, min(127, round(value)))
        if not curve or curve[-1][1] != cc:
            curve.append((tick(tempo.beat(t)), cc))
        t += dt

    for part in parts.values():
        ch = part.channel
        events: list[tuple[int, int, mido.Message | mido.MetaMessage]] = []
        if part.program is not None:
            events.append((0, 0, mido.Message("program_change", channel=ch, program=part.program)))
        for control, value in ((7, part.volume), (10, part.pan), (91, part.reverb), (93, 0)):
            events.append((0, 0, mido.Message("control_change", channel=ch, control=control, value=value)))
        for t_tick, cc in curve:
            events.append((t_tick, 1, mido.Message("control_change", channel=ch, control=11, value=cc)))
        # No two notes of one pitch overlap on a channel: the earlier one is cut where the next begins.
        notes = sorted(part.notes)
        ends: dict[int, int] = {}
        timed = []
        for s, e, pitch, vel in reversed(notes):
            on, off = tick(s), min(tick(min(e, final_end)), ends.get(pitch, 1 << 40))
            ends[pitch] = on
            if off > on:
                timed.append((on, off, pitch, vel))
        for on, off, pitch, vel in timed:
            events.append((off, 2, mido.Message("note_off", channel=ch, note=pitch, velocity=0)))
            events.append((on, 3, mido.Message("note_on", channel=ch, note=pitch, velocity=vel)))
        midi.tracks.append(track(events))
    return midi
