"""What in a free text could name who wrote it: the entity, its people, addresses, numbers, tax codes.

Blind rounds show jurors the answers an applicant typed, and applicants name themselves in them
("Noi di Orti Segreti srl…"). `find_identifying` suggests the spans an organiser should look at:
the applicant's own names and codes (in any case, with or without accents, legal-form suffixes and
punctuation), and anything that looks like an email, a phone number, a web or social address or an
Italian tax code (codice fiscale, partita IVA). Suggestions, not verdicts: an organiser accepts,
edits or ignores each. Pure functions on strings; no database, no event loop.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass

MASK = "[omissis]"
# Bumped whenever detection changes, so that stored counts of unreviewed hits are recomputed.
DETECTOR_VERSION = 1

# In order of precedence: when two kinds claim the same span, the first one names it.
KINDS = ("entity", "person", "identifying", "tax_code", "email", "social", "web", "phone")

# Legal forms as written in Italian names, normalised (lower case, no accents); dots and spaces between
# letters are optional ("s.r.l.", "s r l", "srl").
LEGAL_FORMS = (
    "srls", "srl", "spa", "sapa", "sas", "snc", "scarl", "scrl", "scpa", "sca", "scs", "ss", "sb",
    "aps", "odv", "onlus", "ong", "ets", "asd", "ssd", "apsd",
    "impresa sociale", "impresa individuale", "ditta individuale", "cooperativa sociale", "cooperativa",
    "coop sociale", "coop", "soc coop", "societa cooperativa", "societa cooperativa sociale", "societa benefit",
    "societa semplice", "consorzio", "associazione", "fondazione", "ente filantropico", "rete associativa",
    "a r l", "arl",
)
# Words too common to stand alone as a name's variant: a core name made only of these is never searched.
STOPWORDS = frozenset("il lo la i gli le un una uno di da del della dei delle e ed per con in a al alla the of and"
                      .split())
MIN_CORE_LENGTH = 4
MIN_SURNAME_LENGTH = 4
TOP_LEVEL_DOMAINS = (
    "it", "com", "org", "net", "eu", "io", "info", "biz", "coop", "app", "dev", "me", "co", "online", "site",
    "tech", "social", "store", "shop", "blog", "news", "ngo", "onlus", "green", "agency", "studio", "cloud",
    "uk", "de", "fr", "es", "ch", "at", "be", "nl", "us", "sm", "va",
)
SOCIAL_HOSTS = re.compile(r"(?:^|\.)(?:facebook\.com|fb\.com|fb\.me|instagram\.com|linkedin\.com|twitter\.com|x\.com|"
                          r"tiktok\.com|youtube\.com|youtu\.be|threads\.net|t\.me|wa\.me|vimeo\.com|medium\.com|"
                          r"github\.com|mastodon\.[a-z]+)$")


@dataclass(frozen=True)
class Identity:
    """What is known to name an applicant: from the identifying answers, the team and the entity's record."""

    entity_names: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    tax_codes: tuple[str, ...] = ()
    web: tuple[str, ...] = ()
    # Any other identifying answer (a custom "name of the founder" question, say), matched as written.
    other: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hit:
    """A span of the text (`start`..`end`) that may identify the applicant, and why."""

    start: int
    end: int
    text: str
    kind: str

    @property
    def key(self) -> str:
        """The same words anywhere in the same answer share one decision: case, accents and spacing aside."""
        return normalise(self.text)


def normalise(text: str) -> str:
    """Lower case, no accents, runs of anything but letters and digits as one space."""
    folded, _positions = _folded(text)
    return " ".join(re.sub(r"[^0-9a-z@]+", " ", folded).split())


def _folded(text: str) -> tuple[str, list[int] | range]:
    """The text in lower case without accents, and for each of its characters the index it came from."""
    table = {}
    for char in set(text):
        if not char.isascii():
            table[ord(char)] = _fold_char(char)
    if all(len(folded) == 1 for folded in table.values()):
        # Every character folds to exactly one: positions are unchanged (the common case, and fast).
        return text.translate(table).lower(), range(len(text))
    chars: list[str] = []
    positions: list[int] = []
    for index, char in enumerate(text):
        for lowered in table.get(ord(char), char.lower()):
            chars.append(lowered)
            positions.append(index)
    return "".join(chars), positions


def _fold_char(char: str) -> str:
    parts = "".join(part for part in unicodedata.normalize("NFKD", char) if not unicodedata.combining(part))
    return parts.lower()


def _words(name: str) -> list[str]:
    return re.findall(r"[0-9a-z]+", _folded(name)[0])


def _flexible(words: list[str]) -> str:
    """A pattern for these words in sequence, whatever stands between them (spaces, dots, dashes, nothing)."""
    return r"[^0-9a-z]{0,3}".join(re.escape(word) for word in words)


def _legal_form_pattern() -> str:
    forms = []
    for form in sorted(LEGAL_FORMS, key=len, reverse=True):
        words = form.split()
        if len(words) == 1 and len(form) <= 5:
            # Abbreviations may be dotted letter by letter: s.r.l., a.p.s., o.n.l.u.s.
            forms.append(r"\.?\s?".join(re.escape(letter) for letter in form) + r"\.?")
        else:
            forms.append(_flexible(words))
    return "(?:" + "|".join(forms) + ")"


LEGAL_FORM = _legal_form_pattern()
LEGAL_FORM_WORDS = re.compile(rf"^(?:{LEGAL_FORM}(?:[^0-9a-z]+|$))+|(?:(?:^|[^0-9a-z]+){LEGAL_FORM})+$")
BOUNDARY_BEFORE = r"(?<![0-9a-z])"
BOUNDARY_AFTER = r"(?![0-9a-z])"
WORD_CHARS = frozenset("0123456789abcdefghijklmnopqrstuvwxyz")


def _core_name(name: str) -> list[str]:
    """The entity's name without legal forms at either end: "Cooperativa Sociale Orti Segreti Onlus" -> orti segreti."""
    folded = " ".join(_words(name))
    previous = None
    while previous != folded:
        previous = folded
        folded = LEGAL_FORM_WORDS.sub("", folded).strip()
    return folded.split()


def _entity_patterns(name: str) -> list[str]:
    """The entity's full name and its core name, each as written with any spacing and punctuation."""
    words = _words(name)
    if not words:
        return []
    patterns = [_flexible(words)]
    core = _core_name(name)
    if core and core != words and not all(word in STOPWORDS for word in core) and len("".join(core)) >= MIN_CORE_LENGTH:
        patterns.append(_flexible(core))
    return [rf"(?:{pattern}){BOUNDARY_AFTER}" for pattern in patterns]


# Legal forms written around a name belong to the hit, so that a redaction leaves no "srl" behind.
LEGAL_FORMS_AFTER = re.compile(rf"(?:[^0-9a-z]{{1,3}}{LEGAL_FORM}{BOUNDARY_AFTER})+")
LEGAL_FORMS_BEFORE = re.compile(rf"{BOUNDARY_BEFORE}(?:{LEGAL_FORM}[^0-9a-z]{{1,3}})+$")
LEGAL_FORM_REACH = 60


def _with_legal_forms(folded: str, start: int, end: int) -> tuple[int, int]:
    after = LEGAL_FORMS_AFTER.match(folded, end)
    if after:
        end = after.end()
    before = LEGAL_FORMS_BEFORE.search(folded, max(0, start - LEGAL_FORM_REACH), start)
    if before:
        start = before.start()
    return start, end


def _person_patterns(name: str) -> list[tuple[str, bool]]:
    """(pattern, needs a capital) pairs: the full name in either order, initial and surname, the surname alone."""
    words = [w for w in _words(name) if w not in STOPWORDS or len(w) > 2]
    if not words:
        return []
    patterns: list[tuple[str, bool]] = [(_flexible(words), False)]
    if len(words) >= 2:
        first, last = words[0], " ".join(words[1:])
        patterns.append((_flexible([*last.split(), first]), False))
        patterns.append((re.escape(first[0]) + r"\.?\s?" + _flexible(last.split()), True))
        if len("".join(last.split())) >= MIN_SURNAME_LENGTH:
            # A surname alone is a word like any other ("Verdi", "Ferro"): suggested only where written as a name.
            patterns.append((_flexible(last.split()), True))
    return [(rf"(?:{p}){BOUNDARY_AFTER}", capital) for p, capital in patterns]


def _digits_pattern(code: str) -> str:
    """A tax code or number as written with or without spaces and dots between its characters."""
    chars = [c for c in _folded(code)[0] if c.isalnum()]
    return r"[\s.\-]?".join(re.escape(c) for c in chars) + BOUNDARY_AFTER


EMAIL = re.compile(r"[0-9a-z._%+\-]+\s?(?:@|\[at\]|\(at\))\s?[0-9a-z\-]+(?:\s?(?:\.|\[dot\]|\(dot\))\s?"
                   r"[0-9a-z\-]+)+")
URL = re.compile(r"(?:https?://|www\.)[^\s<>\"')\]]+")
DOMAIN = re.compile(BOUNDARY_BEFORE + r"(?:[0-9a-z](?:[0-9a-z\-]{0,61}[0-9a-z])?\.)+(?:"
                    + "|".join(TOP_LEVEL_DOMAINS) + r")(?:/[^\s<>\"')\]]*)?" + BOUNDARY_AFTER)
HANDLE = re.compile(r"(?<![0-9a-z._@])@[0-9a-z_](?:[0-9a-z_.]{1,28}[0-9a-z_])?(?![0-9a-z_@])")
# Codice fiscale of a person (omocodia letters allowed where digits go) and an 11-digit partita IVA or
# codice fiscale of an entity, optionally after "IT".
CODICE_FISCALE = re.compile(BOUNDARY_BEFORE + r"[a-z]{6}[0-9lmnpqrstuv]{2}[abcdehlmprst][0-9lmnpqrstuv]{2}[a-z]"
                            r"[0-9lmnpqrstuv]{3}[a-z]" + BOUNDARY_AFTER)
PARTITA_IVA = re.compile(BOUNDARY_BEFORE + r"(?:it\s?)?\d{11}" + BOUNDARY_AFTER)
PHONE = re.compile(r"(?<![0-9a-z+])(?:(?:\+|00)\s?\d{1,3}[\s./\-]?)?\(?\d{2,5}\)?(?:[\s./\-]?\d{2,5}){1,4}"
                   r"(?![0-9])")
THOUSANDS = re.compile(r"\d{1,3}(?:[.\s]\d{3})+")
DATE = re.compile(r"\d{1,4}[./\-]\d{1,2}[./\-]\d{1,4}")
MIN_PHONE_DIGITS = 8
MAX_PHONE_DIGITS = 13


def _valid_partita_iva(digits: str) -> bool:
    """The check digit of an Italian partita IVA (the Luhn scheme on 11 digits)."""
    total = 0
    for position, char in enumerate(digits[:10]):
        value = int(char)
        if position % 2:
            value *= 2
            value -= 9 if value > 9 else 0
        total += value
    return (10 - total % 10) % 10 == int(digits[10])


def _looks_like_phone(candidate: str) -> bool:
    stripped = candidate.strip()
    digits = re.sub(r"\D", "", stripped)
    if stripped.startswith(("+", "00")):
        return MIN_PHONE_DIGITS <= len(digits) <= MAX_PHONE_DIGITS + 4
    if not MIN_PHONE_DIGITS <= len(digits) <= MAX_PHONE_DIGITS:
        return False
    if THOUSANDS.fullmatch(stripped) or DATE.fullmatch(stripped):  # 300.000.000 is money, 31/12/2025 a day
        return False
    # Italian numbers: landlines start with 0, mobiles with 3.
    return digits[0] in "03"


def find_identifying(text: str, identity: Identity) -> list[Hit]:
    """The spans of `text` that may identify the applicant, in order, never overlapping (longest kept)."""
    if not text:
        return []
    folded, positions = _folded(text)
    found: list[tuple[int, int, str]] = []

    def add(start: int, end: int, kind: str) -> None:
        if end > start:
            found.append((positions[start], positions[end - 1] + 1, kind))

    def search(pattern: str | re.Pattern, kind: str, *, capital: bool = False, check=None, extend=None) -> None:
        compiled = re.compile(pattern) if isinstance(pattern, str) else pattern
        for match in compiled.finditer(folded):
            if capital and not text[positions[match.start()]].isupper():
                continue
            if check is not None and not check(match.group(0)):
                continue
            start, end = extend(folded, match.start(), match.end()) if extend else (match.start(), match.end())
            add(start, end, kind)

    def search_words(pattern: str, kind: str, *, capital: bool = False, extend=None) -> None:
        """A pattern starting with a literal, searched fast; the word boundary before it is checked here."""
        compiled = re.compile(pattern)
        at = 0
        while (match := compiled.search(folded, at)) is not None:
            start, end = match.span()
            at = start + 1
            if start > 0 and folded[start - 1] in WORD_CHARS:
                continue
            if capital and not text[positions[start]].isupper():
                continue
            at = max(at, end)
            add(*(extend(folded, start, end) if extend else (start, end)), kind)

    for name in identity.entity_names:
        for pattern in _entity_patterns(name):
            search_words(pattern, "entity", extend=_with_legal_forms)
    for person in identity.people:
        for pattern, capital in _person_patterns(person):
            search_words(pattern, "person", capital=capital)
    for value in identity.other:
        words = _words(value)
        if words and len("".join(words)) >= MIN_CORE_LENGTH:
            search_words(_flexible(words) + BOUNDARY_AFTER, "identifying")
    for code in identity.tax_codes:
        if len(code.strip()) >= 8:
            search_words(_digits_pattern(code), "tax_code")
    for address in identity.emails:
        if "@" in address:
            search_words(re.escape(_folded(address.strip())[0]), "email")
            domain = _folded(address.split("@", 1)[1].strip())[0]
            if len(domain) >= MIN_CORE_LENGTH and not _is_common_mail_domain(domain):
                search_words(re.escape(domain) + BOUNDARY_AFTER, "web")
    for site in identity.web:
        host = _host(site)
        if host:
            search_words(re.escape(host) + BOUNDARY_AFTER, "web")
    if "@" in folded or "(at)" in folded or "[at]" in folded:
        search(EMAIL, "email")
    search(URL, "web")
    search(DOMAIN, "web")
    search(HANDLE, "social")
    search(CODICE_FISCALE, "tax_code", check=lambda s: any(c.isdigit() for c in s))
    search(PARTITA_IVA, "tax_code", check=lambda s: _valid_partita_iva(re.sub(r"\D", "", s)))
    search(PHONE, "phone", check=_looks_like_phone)
    return _without_overlaps(text, found)


def _is_common_mail_domain(domain: str) -> bool:
    return domain in {"gmail.com", "libero.it", "hotmail.com", "hotmail.it", "yahoo.it", "yahoo.com", "outlook.com",
                      "outlook.it", "icloud.com", "virgilio.it", "tiscali.it", "alice.it", "tim.it", "live.it",
                      "live.com", "pec.it", "legalmail.it", "email.it", "fastwebnet.it", "me.com", "proton.me",
                      "protonmail.com"}


def _host(address: str) -> str:
    """The host of a web address without scheme and "www.", lower case: https://www.Segreta.it/x -> segreta.it."""
    folded = _folded(address.strip())[0]
    folded = re.sub(r"^[a-z][a-z0-9+.\-]*://", "", folded)
    host = re.split(r"[/?#:\s]", folded, maxsplit=1)[0]
    host = host.removeprefix("www.")
    return host if "." in host and len(host) >= MIN_CORE_LENGTH else ""


def _without_overlaps(text: str, found: list[tuple[int, int, str]]) -> list[Hit]:
    """Longest spans first; a span inside or across one already kept is dropped. The kinds' order breaks ties."""
    rank = {kind: index for index, kind in enumerate(KINDS)}
    starts: list[int] = []  # the kept spans, disjoint and sorted, so their ends are sorted too
    ends: list[int] = []
    kinds: list[str] = []
    for start, end, kind in sorted(set(found), key=lambda f: (-(f[1] - f[0]), rank[f[2]], f[0])):
        # Trailing dots and commas belong to the sentence, not to the address or name.
        while end > start and text[end - 1] in ".,;:!?":
            end -= 1
        at = bisect.bisect_left(starts, end)
        if end <= start or (at > 0 and ends[at - 1] > start):
            continue
        if kind == "web" and SOCIAL_HOSTS.search(_host(text[start:end]) or "-"):
            kind = "social"
        starts.insert(at, start)
        ends.insert(at, end)
        kinds.insert(at, kind)
    return [Hit(start=s, end=e, text=text[s:e], kind=k) for s, e, k in zip(starts, ends, kinds, strict=True)]


def redact(text: str, hits: list[Hit], mask: str = MASK) -> str:
    """The text with each hit replaced by the mask."""
    out = []
    at = 0
    for hit in sorted(hits, key=lambda h: h.start):
        if hit.start < at:
            continue
        out.append(text[at:hit.start])
        out.append(mask)
        at = hit.end
    out.append(text[at:])
    return "".join(out)


def segments(text: str, hits: list[Hit]) -> list[tuple[str, Hit | None]]:
    """The text cut into plain runs and hits, in order, for showing the hits highlighted."""
    out: list[tuple[str, Hit | None]] = []
    at = 0
    for hit in sorted(hits, key=lambda h: h.start):
        if hit.start < at:
            continue
        if hit.start > at:
            out.append((text[at:hit.start], None))
        out.append((text[hit.start:hit.end], hit))
        at = hit.end
    if at < len(text):
        out.append((text[at:], None))
    return out
