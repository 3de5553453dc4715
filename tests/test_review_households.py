"""household_key: the addresses a commune types for one family fold to one key, different families stay apart, and
walking the keys in order is walking a hamlet house by house."""
import pytest

from app.review.households import household_key

SAME = [
    # the brief's three, and the other ways a hamlet is written
    ("Thôn 3", "thon 3", "T3", "Th. 3", "THÔN 3", "thôn 03", "Thon3", "T.3", "th 3"),
    # a house in a hamlet: order, commas, "số nhà", "SN", "nhà", dashes and brackets
    ("Thôn 3, số 12", "Số 12, Thôn 3", "số 12 thôn 3", "Số nhà 12, Thôn 3", "SN 12 Thôn 3", "Nhà 12, thôn 3",
     "Thôn 3 số 12", "Thôn 3,số 12", "Thôn 3; số 12", "Thôn 3 — số 12", "Thôn 3 - số 12", "Thôn 3 (số 12)",
     "thon 3, so 12", "Thôn 3, số 12, xã An Phú, huyện Quỳnh Lưu, tỉnh Nghệ An"),
    # the commune and province tail is dropped, with or without a comma
    ("Thôn 3", "Thôn 3, xã An Phú", "Thôn 3 xã An Phú", "Thôn 3 - Xã An Phú",
     "Thôn 3, xã An Phú, huyện Quỳnh Lưu, Nghệ An", "Thôn 3, Thị trấn Cầu Giát"),
    # residential groups of a town
    ("Tổ dân phố 7", "TDP 7", "tdp7", "Tổ dân phố số 7", "TDP số 7", "tổ dân phố 7, phường Hạc Thành"),
    ("Khu phố 5", "KP5", "kp 5", "Khu phố số 5", "khu pho 5"),
    ("Xóm 2", "xóm 2", "X2", "xom 2"),
    ("Ấp Bình Hòa", "ấp binh hoa", "Ấp Bình Hoà"),  # the old and the new placement of the tone mark
    ("Thôn Đồng Tâm", "thôn Đông Tâm", "THÔN ĐỒNG TÂM"),  # diacritics folded (đ → d)
    ("Tổ 5, phường Hạc Thành", "Tổ 5 phường Hạc Thành", "tổ 5"),
]

DIFFERENT = [
    ("Thôn 3", "Thôn 13"),
    ("Thôn 3", "Thôn 30"),
    ("Thôn 3, số 12", "Thôn 3, số 21"),
    ("Thôn 3, số 12", "Thôn 2, số 12"),
    ("Thôn 3, số 12", "Thôn 3"),
    ("Thôn 3, số 9", "Thôn 3, số 9a"),
    ("Xóm 2", "Thôn 2"),
    ("Khu phố 5", "Tổ dân phố 5"),
    ("Thôn Đông", "Thôn Tây"),
    ("Thôn Lũng Xá", "Thôn Lũng"),  # "Xá" in a hamlet's name is not the commune ("xã")
]


@pytest.mark.parametrize("variants", SAME, ids=[v[0] for v in SAME])
def test_variants_of_one_address_are_one_household(variants):
    keys = {household_key(a) for a in variants}
    assert len(keys) == 1, {a: household_key(a) for a in variants}
    assert "" not in keys


@pytest.mark.parametrize("a, b", DIFFERENT)
def test_different_addresses_stay_apart(a, b):
    assert household_key(a) != household_key(b)


@pytest.mark.parametrize("blank", [None, "", "   ", ",", " , ; ", "-", "..."])
def test_no_address_is_the_empty_key(blank):
    assert household_key(blank) == ""


def test_keys_sort_house_by_house():
    """Numbers are padded: walking the keys in order is walking thôn 2 before thôn 10, số 9 before số 12."""
    addresses = ["Thôn 10, số 1", "Thôn 3, số 12", "Số 9, Thôn 3", "Thôn 2", "thôn 3, số 100", "T3, số 2"]
    ordered = sorted(addresses, key=household_key)
    assert ordered == ["Thôn 2", "T3, số 2", "Số 9, Thôn 3", "Thôn 3, số 12", "thôn 3, số 100", "Thôn 10, số 1"]


def test_the_hamlet_comes_first_whatever_the_order_typed():
    assert household_key("Số 12, Thôn 3") == household_key("Thôn 3, Số 12") == "thon 0003, so 0012"
    assert household_key("số 5 xóm 2 thôn 3") == "xom 0002, thon 0003, so 0005"


def test_a_street_address_keeps_its_street():
    assert household_key("Ngõ 12 đường Lê Lợi") == household_key("ngõ 12 đ. Lê Lợi")
    assert household_key("Ngõ 12 đường Lê Lợi") != household_key("Ngõ 12 đường Trần Phú")


def test_spaces_do_not_matter():
    assert household_key("Thôn 3, số 12") == household_key(" thôn   3 ,  số  12 ")
