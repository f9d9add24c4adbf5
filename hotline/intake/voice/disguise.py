"""Voice disguise: the McAdams transformation of the VoicePrivacy Challenge's
signal-processing baseline, so that a colleague does not recognise a voice.

Each short frame's spectral envelope is modelled by linear prediction (LPC);
the angle φ of every complex pole (the formant frequencies) becomes φ**α, with
the McAdams coefficient α drawn afresh for each recording, and the frame is
re-synthesised from its own prediction residual (the pitch and the timing
stay, so the words stay intelligible). This stops recognition by ear; it does
not defeat forensic speaker identification (README says so).

Input and output are 16-bit PCM WAV; the output is written by the standard
library's ``wave`` (no metadata chunks), mono, at the input's rate, the same
length.
"""

from __future__ import annotations

import io
import secrets
import wave

import numpy as np
import numpy.typing as npt
from scipy.signal import lfilter

#: LPC order: enough poles for the formants of 8 kHz telephone speech.
LPC_ORDER = 20
FRAME_SECONDS = 0.02
#: The McAdams coefficient is drawn from this range for each recording.
ALPHA_RANGE = (0.75, 0.9)

Signal = npt.NDArray[np.float64]


class UnreadableAudio(ValueError):
    """The recording is not 16-bit PCM WAV."""


def lpc(frame: Signal, order: int = LPC_ORDER) -> Signal:
    """The prediction polynomial ``[1, a1, …, ap]`` of a frame (autocorrelation
    method, Levinson–Durbin recursion)."""
    n = len(frame)
    full = np.correlate(frame, frame, mode="full")[n - 1 : n + order]
    r = full * (1.0 + 1e-9 * (np.arange(order + 1) == 0))  # a little white noise
    a = np.zeros(order + 1)
    a[0] = 1.0
    error = r[0]
    if error <= 0:
        return a
    for i in range(1, order + 1):
        k = -(r[i] + np.dot(a[1:i], r[i - 1 : 0 : -1])) / error
        a[1:i] = a[1:i] + k * a[i - 1 : 0 : -1]
        a[i] = k
        error *= 1.0 - k * k
        if error <= 0:
            break
    return a


def pole_angles(polynomial: Signal) -> Signal:
    """The angles in (0, π) of a prediction polynomial's complex poles, sorted."""
    poles = np.roots(polynomial)
    return np.sort(np.angle(poles[np.imag(poles) > 1e-8]))


def mcadams(polynomial: Signal, alpha: float) -> Signal:
    """The polynomial whose complex poles' angles are raised to ``alpha``."""
    poles = np.roots(polynomial)
    moved = []
    for pole in poles:
        if abs(np.imag(pole)) <= 1e-8:
            moved.append(pole)
            continue
        angle = np.angle(pole)
        new = np.sign(angle) * np.abs(angle) ** alpha
        moved.append(np.abs(pole) * np.exp(1j * new))
    return np.real(np.poly(moved))


def disguise_samples(samples: Signal, rate: int, alpha: float) -> Signal:
    """The signal with every frame's formants moved; same length."""
    frame = max(int(rate * FRAME_SECONDS), LPC_ORDER + 2)
    hop = frame // 2
    window = np.hanning(frame)
    padded = np.concatenate([np.zeros(frame), samples, np.zeros(frame)])
    out = np.zeros(len(padded))
    norm = np.zeros(len(padded))
    for start in range(0, len(padded) - frame + 1, hop):
        piece = padded[start : start + frame] * window
        if not np.any(piece):
            continue
        a = lpc(piece)
        residual = lfilter(a, [1.0], piece)
        moved = mcadams(a, alpha)
        rebuilt = lfilter([1.0], moved, residual)
        if not np.all(np.isfinite(rebuilt)):
            rebuilt = piece
        out[start : start + frame] += rebuilt * window
        norm[start : start + frame] += window**2
    norm[norm < 1e-8] = 1.0
    result: Signal = (out / norm)[frame : frame + len(samples)]
    return result


def read_wav(content: bytes) -> tuple[Signal, int]:
    """Mono samples in [-1, 1) and the rate of a 16-bit PCM WAV file."""
    try:
        with wave.open(io.BytesIO(content)) as source:
            if source.getsampwidth() != 2:
                raise UnreadableAudio("not 16-bit PCM")
            rate, channels = source.getframerate(), source.getnchannels()
            frames = source.readframes(source.getnframes())
    except (wave.Error, EOFError) as exc:
        raise UnreadableAudio(str(exc)) from None
    samples = np.frombuffer(frames, dtype="<i2").astype(np.float64) / 32768.0
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1)
    return samples, rate


def write_wav(samples: Signal, rate: int) -> bytes:
    """16-bit PCM mono WAV with nothing but the format and the samples."""
    peak = float(np.max(np.abs(samples))) if len(samples) else 0.0
    scaled = samples / peak * 0.9 if peak > 1.0 else samples
    pcm = np.clip(np.round(scaled * 32767.0), -32768, 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as target:
        target.setnchannels(1)
        target.setsampwidth(2)
        target.setframerate(rate)
        target.writeframes(pcm.tobytes())
    return buffer.getvalue()


def random_alpha() -> float:
    """A McAdams coefficient drawn from the operating system's randomness."""
    low, high = ALPHA_RANGE
    return low + (high - low) * secrets.randbelow(10_001) / 10_000


def disguise_wav(content: bytes, alpha: float | None = None) -> bytes:
    """A disguised copy of a WAV recording, with a fresh coefficient unless given."""
    samples, rate = read_wav(content)
    return write_wav(disguise_samples(samples, rate, alpha or random_alpha()), rate)
