"""How the web worker and a cleaning child talk: one frame each way.

A frame is two big-endian 32-bit lengths, a JSON header of the first length
and a raw body of the second. Never a pickle: the child has handled hostile
bytes, and its answer must not be able to run code in the worker. A header is
at most 64 KiB; the reader gives the body's limit.
"""

from __future__ import annotations

import json
import socket
import struct
import time
from typing import Any

_FRAME = struct.Struct(">II")
_MAX_HEADER = 64 * 1024


def send_frame(sock: socket.socket, header: dict[str, Any], body: bytes) -> None:
    encoded = json.dumps(header).encode()
    sock.sendall(_FRAME.pack(len(encoded), len(body)) + encoded)
    sock.sendall(body)


def receive_frame(
    sock: socket.socket, deadline: float | None, max_body: int | None
) -> tuple[dict[str, Any], bytes]:
    header_length, body_length = _FRAME.unpack(_receive_exactly(sock, _FRAME.size, deadline))
    if header_length > _MAX_HEADER or (max_body is not None and body_length > max_body):
        raise ValueError("frame too large")
    header = json.loads(_receive_exactly(sock, header_length, deadline))
    if not isinstance(header, dict):
        raise ValueError("not a header")
    return header, _receive_exactly(sock, body_length, deadline)


def _receive_exactly(sock: socket.socket, length: int, deadline: float | None) -> bytes:
    buffer = bytearray(length)
    view = memoryview(buffer)
    received = 0
    while received < length:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            sock.settimeout(remaining)
        count = sock.recv_into(view[received:], min(length - received, 1 << 20))
        if count == 0:
            raise EOFError
        received += count
    return bytes(buffer)
