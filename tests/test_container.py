"""The container format: every damaged header is refused with CorruptDataError."""
import pytest
from hypothesis import given, strategies as st

from codelength import CorruptDataError

from codelength.io import container

frames = st.builds(
    container.Frame,
    coder_id=st.integers(0, 255), param=st.integers(0, 255), kind=st.sampled_from(sorted(container.SYMBOL_KINDS)),
    n=st.integers(0, 2**64 - 1), alphabet_size=st.integers(0, 2**32 - 1), crc=st.integers(0, 2**32 - 1),
    model=st.binary(max_size=64), payload=st.binary(max_size=64),
)


@given(frames)
def test_pack_unpack_round_trip(frame):
    assert container.unpack(container.pack(frame)) == frame


@given(frames, st.data())
def test_truncated_or_extended_frames_are_refused(frame, data):
    blob = container.pack(frame)
    cut = data.draw(st.integers(0, len(blob) - 1))
    with pytest.raises(CorruptDataError):
        container.unpack(blob[:cut])
    with pytest.raises(CorruptDataError, match="trailing"):
        container.unpack(blob + data.draw(st.binary(min_size=1, max_size=8)))


@given(frames, st.data())
def test_any_flipped_header_or_model_bit_is_caught(frame, data):
    blob = bytearray(container.pack(frame))
    bit = data.draw(st.integers(0, 8 * (container.HEADER_SIZE + len(frame.model)) - 1))
    blob[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(CorruptDataError):
        container.unpack(bytes(blob))


def test_messages_name_the_problem():
    with pytest.raises(CorruptDataError, match="magic"):
        container.unpack(b"XXXX" + bytes(100))
    with pytest.raises(CorruptDataError, match="too short"):
        container.unpack(b"CLEN")
    good = bytearray(container.pack(container.Frame(1, 0, 0, 3, 256, 0, b"m", b"p")))
    good[4] = 9
    with pytest.raises(CorruptDataError, match="version"):
        container.unpack(bytes(good))


def test_unpack_takes_any_buffer_layout():
    import numpy as np
    from codelength.io import container
    frame = container.Frame(1, 0, 0, 3, 256, 0, b"model", b"payload")
    blob = container.pack(frame)
    strided = np.repeat(np.frombuffer(blob, dtype=np.uint8), 2)[::2]
    assert container.unpack(strided) == frame
    assert container.is_frame(strided)
