"""Households from typed addresses: "Thôn 3", "thon 3", "T3" and "Th. 3" are the same place.

household_key() folds an address (case, diacritics, đ → d, punctuation), spells out the abbreviations communes
write (t/th/thon → thon, kp → khu pho, tdp → to dan pho, x → xa, …), drops the commune and province tail a
household does not need, and pads numbers so that "Thôn 3, số 9" sorts before "Thôn 3, số 12": walking the list in
key order is walking a hamlet street by street. A key that is wrong for a family is corrected by hand (the subject's
`household`, which is folded the same way).
"""
import re

from ..text import fold

# Abbreviations → the word, on folded tokens. "t3" (letters glued to a number) is split first.
WORDS = {
    "t": "thon", "th": "thon", "thon": "thon", "xom": "xom", "x": "xom", "ap": "ap", "ban": "ban", "bon": "bon",
    "kp": "khu pho", "khupho": "khu pho", "k": "khu", "khu": "khu", "tdp": "to dan pho", "to": "to", "tt": "to",
    "sn": "so", "so": "so", "nha": "so", "ng": "ngo", "ngo": "ngo", "ngach": "ngach", "h": "hem", "hem": "hem",
    "kiet": "kiet", "d": "duong", "dg": "duong", "duong": "duong", "p": "phuong", "tp": "thanh pho",
}
# Once one of these words starts a part, the rest of the address is the commune, district or province.
TAIL = {"xa", "phuong", "thi tran", "huyen", "quan", "thi xa", "tinh", "thanh pho", "tp"}
AREAS = {"thon", "xom", "ap", "ban", "bon", "khu", "to"}  # words that name a hamlet or a residential group
AREA_ENDS = AREAS | {"pho", "doi"}  # "Tổ dân phố số 7", "Khu phố số 5": that "số" numbers the area, not a house
_GLUED = re.compile(r"^([a-z]+)(\d+[a-z]?)$")
_NUMBER = re.compile(r"\d+")
_NUMERIC = re.compile(r"^\d+[a-z]?$")
_SPLIT = re.compile(r"[\s.\-/\u2013\u2014()]+")


def _tokens(part):
    out = []
    for tok in _SPLIT.split(part):
        if not tok:
            continue
        glued = _GLUED.match(tok)
        if glued and glued.group(1) in WORDS:
            out.extend((WORDS[glued.group(1)], glued.group(2)))
        else:
            out.append(WORDS.get(tok, tok))
    words = " ".join(out).split()
    kept = []
    for j, word in enumerate(words):
        if kept and word == kept[-1] and not _NUMERIC.match(word):
            continue  # "Số nhà 12" → "so so 12": one "so"
        if word == "so" and kept and kept[-1] in AREA_ENDS and j + 1 < len(words) and _NUMERIC.match(words[j + 1]):
            continue  # "Tổ dân phố số 7" is "Tổ dân phố 7"
        kept.append(word)
    return kept


def _is_tail(words, j):
    return words[j] in TAIL or " ".join(words[j:j + 2]) in TAIL


def _split(words):
    """"Số 9 thôn 3", "Thôn 3 số 9": one part per area and one for the house number."""
    cuts = [j for j in range(1, len(words)) if words[j] in AREAS or (
        words[j] == "so" and j + 1 < len(words) and _NUMERIC.match(words[j + 1]))]
    return [" ".join(words[a:b]) for a, b in zip([0, *cuts], [*cuts, len(words)], strict=True)]


def _pad(text):
    return _NUMBER.sub(lambda m: m.group(0).zfill(4), text)


def household_key(address):
    """The folded household key of an address ("" when there is none)."""
    text = fold(address)
    if not text:
        return ""
    kept = []
    for i, part in enumerate(p.strip() for p in re.split(r"[,;]", text)):
        words = _tokens(part)
        if not words:
            continue
        if i > 0 and _is_tail(words, 0):
            break  # "…, xã An Phú, huyện X": the commune is the same for the whole list
        # "Thôn 3 xã An Phú" without a comma: a commune word right after a number ends the address too
        end = next((j for j in range(1, len(words)) if _NUMERIC.match(words[j - 1]) and _is_tail(words, j)), None)
        kept.extend(_split(words[:end]))
        if end is not None:
            break
    # the hamlet first, then the street and number: "Số 12, Thôn 3" and "Thôn 3, số 12" are one household
    kept.sort(key=lambda part: part.split()[0] not in AREAS)
    return _pad(", ".join(kept))  # punctuation only ("-", ","): no address
