"""Re-encode recordings from their samples alone. See the package docstring.

A phone's voice memo carries more than the voice: an iPhone's M4A names the
place it was recorded (``com.apple.quicktime.location.ISO6709``) and when; an
MP3's ID3 tags can hold the owner's name, a cover picture and comments; an
OGG's comments whatever the recorder wrote. The first audio stream is decoded
to samples (PyAV, with FFmpeg's demuxer chosen by the sniffed type, never
probed, so no playlist or reference format can make it open anything else)
and encoded into a new file of the same kind, written bit-exact so that not
even the encoder's name and version is added. Every other stream (cover art,
chapters, a second track) and every tag stays behind.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import av
import av.error

from hotline.intake.attachments.errors import UnreadableFile

_AUDIO_UNREADABLE = "This recording could not be read. It may be damaged or incomplete."


@dataclass(frozen=True)
class RecordingKind:
    #: FFmpeg's demuxer for the sniffed type (never probed from the content).
    demuxer: str
    #: What is written: muxer, encoder, and its options.
    muxer: str
    encoder: str
    sample_rate: int | None = None
    bit_rate: int | None = None
    muxer_options: Mapping[str, str] | None = None


#: Sniffed media type → how it is read and rewritten (the same kind of file,
#: so the officer's player opens it as the reporter's did).
AUDIO_FORMATS = {
    "audio/wav": RecordingKind("wav", "wav", "pcm_s16le"),
    "audio/mpeg": RecordingKind(
        "mp3",
        "mp3",
        "libmp3lame",
        bit_rate=128_000,
        # No ID3 tag at all, and no Xing/LAME header naming the encoder.
        muxer_options={"id3v2_version": "0", "write_id3v1": "0", "write_xing": "0"},
    ),
    "audio/mp4": RecordingKind("mp4", "ipod", "aac", bit_rate=96_000),
    "audio/ogg": RecordingKind("ogg", "ogg", "libopus", sample_rate=48_000, bit_rate=48_000),
    "audio/amr": RecordingKind("amr", "mp3", "libmp3lame", bit_rate=64_000),
}
#: What a rewritten file is, when it changes kind (AMR becomes MP3).
WRITTEN_AUDIO = {"audio/amr": ("audio/mpeg", "mp3")}

#: Tags whose presence the receipt names; every other tag is "other details".
_TAG_LABELS = {
    "location": "gps",
    "com.apple.quicktime.location.iso6709": "gps",
    "creation_time": "timestamp",
    "date": "timestamp",
    "comment": "comment",
}
#: Tags a muxer writes about the container itself, not about the recording.
_STRUCTURAL_TAGS = frozenset(
    {"major_brand", "minor_version", "compatible_brands", "handler_name", "vendor_id", "language"}
)


def clean_audio(media_type: str, content: bytes) -> tuple[bytes, tuple[str, ...]]:
    """The recording re-encoded from its samples, and what was left behind."""
    kind = AUDIO_FORMATS[media_type]
    found: set[str] = set()
    try:
        with av.open(io.BytesIO(content), mode="r", format=kind.demuxer) as source:
            audio = next(iter(source.streams.audio), None)
            if audio is None:
                raise UnreadableFile(_AUDIO_UNREADABLE)
            found |= _tag_labels(source.metadata)
            for stream in source.streams:
                found |= _tag_labels(stream.metadata)
                if stream is not audio:
                    found.add("embedded_images" if stream.type == "video" else "other_metadata")
            data = _reencode(source, audio, kind)
    except UnreadableFile:
        raise
    except MemoryError:
        raise
    except Exception:
        # Any failure on untrusted input (a damaged file, a decoder tripped
        # by garbage) means the same: we could not read it, we do not keep it.
        raise UnreadableFile(_AUDIO_UNREADABLE) from None
    return data, tuple(sorted(found))


def _reencode(
    source: av.container.InputContainer, audio: av.AudioStream, kind: RecordingKind
) -> bytes:
    out = io.BytesIO()
    options = {"fflags": "+bitexact", **(kind.muxer_options or {})}
    with av.open(out, mode="w", format=kind.muxer, container_options=options) as target:
        rate = kind.sample_rate or audio.codec_context.sample_rate or 44_100
        layout = "mono" if (audio.codec_context.channels or 1) == 1 else "stereo"
        encoder = target.add_stream(kind.encoder, rate=rate, layout=layout)
        if not isinstance(encoder, av.AudioStream):  # an audio encoder makes an audio stream
            raise UnreadableFile(_AUDIO_UNREADABLE)
        if kind.bit_rate:
            encoder.codec_context.bit_rate = kind.bit_rate
        encoder.codec_context.flags |= av.codec.context.Flags.bitexact
        resampler = av.AudioResampler(format=encoder.codec_context.format, layout=layout, rate=rate)
        for frame in source.decode(audio):
            frame.pts = None
            _mux(target, encoder, resampler.resample(frame))
        _mux(target, encoder, resampler.resample(None))
        for packet in encoder.encode(None):
            target.mux(packet)
    return out.getvalue()


def _mux(
    target: av.container.OutputContainer, encoder: av.AudioStream, frames: Iterable[av.AudioFrame]
) -> None:
    for frame in frames:
        for packet in encoder.encode(frame):
            target.mux(packet)


def _tag_labels(metadata: Mapping[str, str]) -> set[str]:
    labels = set()
    for key in metadata:
        name = key.lower()
        if name in _STRUCTURAL_TAGS:
            continue
        labels.add(_TAG_LABELS.get(name, "other_metadata"))
    return labels
