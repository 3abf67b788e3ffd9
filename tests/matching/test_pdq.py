import numpy as np
import pytest

from gardefou.matching import (
    bits_to_hex,
    bytes_to_hex,
    hamming_distance,
    hamming_distances,
    hex_to_bits,
    hex_to_bytes,
    to_packed,
    to_packed_array,
)

H1 = "f162eb9daab170c0567fe3632d9a5548c5612982dd5e374a7424ebbc8a835c95"
H2 = "b062eb9d2ab170c0567fcb672d9a5548c5612982dd5e374a7424ebbc8b135cb5"


def test_hex_bits_round_trip():
    bits = hex_to_bits(H1)
    assert bits.shape == (256,) and set(np.unique(bits)) <= {0, 1}
    assert bits_to_hex(bits) == H1
    assert bits[:4].tolist() == [1, 1, 1, 1]  # 'f' first: most significant bit first
    assert bytes_to_hex(hex_to_bytes(H1)) == H1


def test_hamming_distance_forms():
    expected = sum(a != b for a, b in zip(hex_to_bits(H1), hex_to_bits(H2)))
    assert hamming_distance(H1, H2) == expected
    assert hamming_distance(hex_to_bytes(H1), hex_to_bits(H2)) == expected
    assert hamming_distance(H1.upper(), H1) == 0
    assert hamming_distance("0" * 64, "f" * 64) == 256
    assert hamming_distances(H1, [H1, H2]).tolist() == [0, expected]


def test_parsing_errors():
    for bad in ["abc", "g" * 64, "0" * 63]:
        with pytest.raises(ValueError):
            to_packed(bad)
    with pytest.raises(ValueError):
        to_packed(np.zeros(31, np.uint8))
    with pytest.raises(ValueError):
        to_packed_array(np.zeros((2, 31), np.uint8))
    with pytest.raises(TypeError):
        to_packed_array(H1)


def test_to_packed_array_forms():
    a = to_packed_array([H1, H2])
    assert a.shape == (2, 32) and a.dtype == np.uint8
    assert (to_packed_array(np.unpackbits(a, axis=1)) == a).all()
    assert (to_packed_array([hex_to_bytes(H1), hex_to_bits(H2)]) == a).all()
    assert to_packed_array([]).shape == (0, 32)
