"""Synthesize the ticket's alert sounds into resources/sounds/ with the standard library only.

    python resources/make_sounds.py

Writes 16-bit mono PCM WAVs at 22,050 Hz (small, and every audio back end plays them):

* filled.wav       - a short rising two-note chime (E5 then B5): good news, not alarming.
* rejected.wav     - a low double buzz: unmistakably different from the fill chime.
* disconnected.wav - a falling two-tone (G5 then C5): "the link went down".
* alarm.wav        - three high buzzes: a position no stop protects.

The output is deterministic, so re-running it leaves git clean unless a recipe changed.
"""

from __future__ import annotations

import math
import struct
import sys
import wave
from collections.abc import Callable, Sequence
from pathlib import Path

RATE = 22_050
OUT = Path(__file__).resolve().parent / "sounds"

# A tone is (frequency Hz, duration s, shape); shape "bell" decays like a struck chime,
# "buzz" is a band-limited square (odd harmonics) held at a steady level.
Tone = tuple[float, float, str]


def _bell(freq: float, t: float, length: float) -> float:
    """A chime: fundamental plus a soft octave, exponential decay, 5 ms attack."""
    attack = min(1.0, t / 0.005)
    decay = math.exp(-t * 6.0 / length)
    wave_ = math.sin(2 * math.pi * freq * t) + 0.3 * math.sin(4 * math.pi * freq * t)
    return attack * decay * wave_ / 1.3


def _buzz(freq: float, t: float, length: float) -> float:
    """A low buzz: the first odd harmonics of a square wave, 8 ms fades at both ends."""
    edge = min(1.0, t / 0.008, (length - t) / 0.008)
    wave_ = sum(math.sin(2 * math.pi * freq * k * t) / k for k in (1, 3, 5, 7))
    return max(0.0, edge) * wave_ / 1.2


_SHAPES: dict[str, Callable[[float, float, float], float]] = {"bell": _bell, "buzz": _buzz}


def synthesize(tones: Sequence[Tone], gap: float = 0.0, volume: float = 0.5) -> bytes:
    """Render tones one after another (with `gap` seconds of silence between) to PCM frames."""
    samples: list[int] = []
    for index, (freq, length, shape) in enumerate(tones):
        if index and gap:
            samples.extend([0] * int(RATE * gap))
        voice = _SHAPES[shape]
        for n in range(int(RATE * length)):
            value = voice(freq, n / RATE, length) * volume
            samples.append(round(max(-1.0, min(1.0, value)) * 32767))
    return struct.pack(f"<{len(samples)}h", *samples)


def write_wav(path: Path, frames: bytes) -> None:
    """Write 16-bit mono PCM frames to a WAV file."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(frames)


def main() -> int:
    """Write the four sounds and report their sizes."""
    OUT.mkdir(exist_ok=True)
    recipes = {
        "filled.wav": synthesize([(659.25, 0.09, "bell"), (987.77, 0.26, "bell")]),
        "rejected.wav": synthesize([(150.0, 0.13, "buzz"), (150.0, 0.13, "buzz")], gap=0.06),
        "disconnected.wav": synthesize([(783.99, 0.17, "bell"), (523.25, 0.30, "bell")]),
        "alarm.wav": synthesize([(880.0, 0.1, "buzz")] * 3, gap=0.07),
    }
    for name, frames in recipes.items():
        write_wav(OUT / name, frames)
        print(f"{name}: {(OUT / name).stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
