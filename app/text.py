"""Text helpers shared by every domain."""
import unicodedata


def fold(text):
    """Search key: lower case, diacritics removed, đ→d, spaces collapsed.

    NFD first, so composed ("ễ") and decomposed ("e" + marks) input fold the same way.
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFD", str(text)).replace("đ", "d").replace("Đ", "D")
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.lower().split())


def nfc(text):
    """Store names composed (NFC) so the same name is always the same bytes."""
    return unicodedata.normalize("NFC", text.strip()) if text else text
