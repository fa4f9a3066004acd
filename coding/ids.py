"""Time-ordered identifiers for codings (UUID version 7, RFC 9562).

Codings are inserted by the hundred thousand (merges, their undo, re-anchoring). A random
UUID lands on a random page of the unique index each time; a version 7 UUID starts with the
time in milliseconds, so a batch's UUIDs sit side by side at the end of the index. They are
ordinary UUIDs for everything else (REFI-QDA GUIDs included).
"""

from __future__ import annotations

import os
import time
from uuid import UUID


def uuid7() -> UUID:
    """A UUID whose first 48 bits are the Unix time in milliseconds, the rest random."""
    milliseconds = time.time_ns() // 1_000_000
    value = (milliseconds & ((1 << 48) - 1)) << 80 | int.from_bytes(os.urandom(10), "big")
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC 9562 variant
    return UUID(int=value)


# The same in PostgreSQL (which has no uuidv7() before version 18).
UUID7_SQL = (
    "encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) placing "
    "substring(int8send((extract(epoch from clock_timestamp()) * 1000)::bigint) from 3) "
    "from 1 for 6), 52, 1), 53, 1), 'hex')::uuid"
)
