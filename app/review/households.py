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
STREETS = {"so", "ngo", "ngach", "hem", "kiet", "duong"}  # words that start the house's part of an address
_GLUED = re.compile(r"^([a-z]+)(\d+[a-z]?)$")
_NUMBER = re.compile(r"\d+")


def _tokens(part):
    out = []
    for tok in re.split(r"[\s.\-/]+", part):
        if not tok:
            continue
        glued = _GLUED.match(tok)
        if glued and glued.group(1) in WORDS:
            out.extend((WORDS[glued.group(1)], glued.group(2)))
        else:
            out.append(WORDS.get(tok, tok))
    return " ".join(out).split()


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
        head = " ".join(words[:2])
        if i > 0 and (words[0] in TAIL or head in TAIL):
            break  # "…, xã An Phú, huyện X": the commune is the same for the whole list
        # "Số 9 thôn 3", "Thôn 3 số 9": two parts, as if a comma had been typed
        cuts = [0] + [j for j in range(1, len(words)) if words[j] in AREAS | STREETS and words[j - 1] not in AREAS | STREETS]
        kept.extend(" ".join(words[a:b]) for a, b in zip(cuts, cuts[1:] + [len(words)]))
    # the hamlet first, then the street and number: "Số 12, Thôn 3" and "Thôn 3, số 12" are one household
    kept.sort(key=lambda part: part.split()[0] not in AREAS)
    return _pad(", ".join(kept) or text)
