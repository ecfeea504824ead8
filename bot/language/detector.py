"""Noticing a promise in a chat message (SPEC §2.5).

``detect_promise`` decides whether a message commits its author to doing something for
someone, and reads what, for whom and by when. Rule-based and pure: regular expressions over
the message, the deadline parser for the date, the cadence reader for a rhythm; no I/O.

A message is cut into sentences (quotes, code and block quotes removed first) and each
sentence into clauses. A clause promises when it has a commitment in one of the voices people
use —

- first person: "I'll send…", "we will…", "I'm going to…", "our team will…", "let me check
  and get back to you", "I can have it to you by Monday" (``can`` only with a date);
- agreement to a request: "sure, will do by Friday", "on it", "leave it with me";
- no subject: "will send the deck tomorrow", "sending the contract over first thing";
- addressed to the reader: "you'll get the contract Monday", "expect a call from me";
- owed: "I owe you the numbers";

— with a verb that does something for someone (send, call, get back, refund, fix…; not
"be out", "grab lunch", "work from Berlin"), and none of what unmakes it in the same clause:
a question, an offer or a request, a negation, a hedge ("might", "try to"), a condition on
someone else's act that comes first ("if legal approves, I'll…"), an idiom ("I'll pass",
"I'll be honest"), or a joke marker in the message. Reports about someone else and past tense
never match a voice in the first place.

``confidence`` is how sure the reading is (0–1); ``is_promise`` is ``confidence >=
THRESHOLD``. The measured precision and recall over the labelled corpus are in the README.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.language.cadence import ParsedCadence, find_cadence
from bot.language.counterparts import Counterpart, find_counterpart
from bot.language.deadlines import ParsedDeadline, parse_deadline
from bot.language.workdays import DEFAULT_WORKING_DAY, WorkingDay

__all__ = ["THRESHOLD", "Detection", "Voice", "detect_promise", "warm_up"]

THRESHOLD = 0.6
# Only the first MAX_CHARS of a message are read (a promise hides in a paragraph, not a page).
MAX_CHARS = 4000
_MAX_SENTENCES = 40

_I = re.IGNORECASE


class Voice:
    FIRST_PERSON = "first person"
    AGREEMENT = "agreement"
    SUBJECTLESS = "no subject"
    ADDRESSED = "addressed to the reader"
    OWED = "owed"


@dataclass(frozen=True)
class Detection:
    is_promise: bool
    confidence: float  # 0..1: how sure the reading is that this is a promise
    voice: str | None = None  # which way it was said (Voice.*), None when not a promise
    sentence: str = ""  # the sentence holding the promise, as written
    what: str = ""  # the deliverable: the commitment without its subject and deadline phrase
    counterpart: Counterpart | None = None  # a name read in the text, when there is one
    to_reader: bool = False  # "you" / "your": promised to whoever the message is addressed to
    deadline: ParsedDeadline | None = None  # the parser's reading (deadline None: no date said)
    cadence: ParsedCadence | None = None  # a rhythm: a cadence promise
    commitment: str = ""  # the commitment from its verb on, deadline included ("send … by Fri")

    @property
    def has_date(self) -> bool:
        return self.deadline is not None and self.deadline.deadline is not None


_NOT = Detection(is_promise=False, confidence=0.0)

# ------------------------------------------------------------------------------ cleaning

_CODE_BLOCK = re.compile(r"```.*?(?:```|$)", re.S)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_BLOCK_QUOTE = re.compile(r"^\s*(?:>|&gt;).*$", re.M)
_QUOTED = re.compile(r"\"[^\"\n]{3,}\"|“[^”\n]{3,}”")
_SLACK_LINK = re.compile(r"<(?:https?|mailto):[^|>]*\|([^>]*)>|<(?:https?|mailto):[^>]*>")
_SLACK_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
_SLACK_SPECIAL = re.compile(r"<![^>]*>|<#[^>]*>")
_EMOJI = re.compile(r":[a-z0-9_+\-']+:")

# A joke or sarcasm anywhere in the message: the promise in it is not meant.
_JOKE = re.compile(
    r":(?:upside_down_face|rolling_on_the_floor_laughing|joy|laughing|stuck_out_tongue\w*"
    r"|wink|smirk|clown_face|face_with_rolling_eyes|melting_face):"
    r"|[🙃😂🤣😜😝😏🙄🤡]"
    r"|(?<!\w)(?:lol|lmao|lmfao|rofl|haha\w*|hehe\w*|jk|/s)(?!\w)"
    r"|\byeah,?\s+right\b|\blottery\b|\bpigs\s+fly\b|\bin\s+my\s+dreams\b|\bhell\s+freezes\b"
    r"|\bsure,?\s+sure\b|\bas\s+if\b",
    _I,
)

# ------------------------------------------------------------------------------ sentences

_ABBREV = re.compile(r"\b(?:Mr|Mrs|Ms|Mx|Dr|Prof|St|vs|approx|etc|e\.g|i\.e|No|Inc|Ltd|Co)\.$", _I)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+|(?<=[.!?])(?=[A-Z])")
_CLAUSE_CUT = re.compile(
    r"\s*;\s*|,?\s+but\s+|\s+[-–—]\s+|,\s+(?=(?:and\s+|so\s+|then\s+)?(?:i|we|i'm|i’m|i've|i’ve"
    r"|we're|we’re|you|you'll|you’ll|our)\b)",
    _I,
)


def _sentences(text: str) -> list[str]:
    parts: list[str] = []
    pending = ""
    for piece in _SENTENCE_END.split(text):
        piece = piece.strip()
        if not piece:
            continue
        pending = f"{pending} {piece}".strip() if pending else piece
        if _ABBREV.search(pending):
            continue
        parts.append(pending)
        pending = ""
        if len(parts) >= _MAX_SENTENCES:
            break
    if pending and len(parts) < _MAX_SENTENCES:
        parts.append(pending)
    return parts


# ------------------------------------------------------------------------------ vocabulary

_LL = r"(?:'ll|’ll|\s+will|\s+shall)"
_GOING = r"(?:'m|’m|\s+am|'re|’re|\s+are)\s+(?:going\s+to|gonna|planning\s+to|about\s+to)"
_ADVERBS = (
    r"(?:(?:also|just|definitely|def|personally|quickly|then|actually|really|still|totally"
    r"|certainly|absolutely|gladly|happily|now|first|right\s+away|immediately|make\s+sure\s+to"
    r"|be\s+sure\s+to|aim\s+to|try\s+and|also\s+try\s+to)\s+)*"
)

# Verbs that do something for someone. "be" is handled apart (be in touch, be sending).
_DO = (
    r"send|resend|re-send|get|have|call|ring|phone|email|e-mail|mail|ping|text|message|dm|write"
    r"|reply|respond|follow|update|share|book|set|put|reach|loop|circle|come|confirm|ship"
    r"|refund|reissue|re-issue|issue|chase|look|check|dig|fix|sort|take|deliver|draft|prepare"
    r"|review|schedule|reschedule|arrange|organi[sz]e|intro|introduce|make|let|keep|stay|extend"
    r"|process|raise|escalate|credit|provide|finish|complete|hand|forward|pass|post|upload"
    r"|submit|sign|approve|investigate|find|figure|work|talk|speak|ask|run|pull|add|create"
    r"|build|compile|revert|return|resolve|handle|cover|push|move|cancel|waive|apply|bump"
    r"|expedite|escalate|grab|jump|hop|walk|give|offer|introduce|connect|follow-up|touch"
    r"|clarify|double-check|verify|note|log|file|open|close|merge|deploy|release|patch|test"
    r"|answer|clear|unblock|reset|restore|re-run|rerun|redo|send\s+over|chase|nudge|remind"
    r"|invite|brief|present|demo|walk|sync|hold|reserve|pay|reimburse|transfer|order"
)
_DO_RE = re.compile(rf"^(?:{_DO})(?:s|es|ed|ing)?$", _I)
# Doing-words that are plans nobody is owed, whatever follows.
_PLAN = re.compile(
    r"^(?:be|grab|head|go|leave|work\s+from|work|take\s+(?:\S+\s+){0,3}off\b"
    r"|take\s+(?:a\s+|the\s+|some\s+)?(?:days?|afternoon|morning|week|break|leave|pto|vacation|holiday)"
    r"|clean|sleep|eat|travel|fly|drive|commute|relax|pass|admit|believe|bite|say|stop|shut"
    r"|need|want|like|love|miss|see|guess|assume|bet|think|wait|hope|wonder|try)\b",
    _I,
)

_FIRST = re.compile(
    rf"(?<![\w'’])(?P<subj>i|we|our\s+(?:team|[a-z]+\s+team|[a-z]+))(?:{_LL}|{_GOING})\s+"
    rf"(?P<adv>{_ADVERBS})(?P<rest>.*)$",
    _I,
)
_CAN = re.compile(rf"(?<![\w'’])(?P<subj>i|we)\s+can\s+(?P<adv>{_ADVERBS})(?P<rest>.*)$", _I)
_LET_ME = re.compile(
    r"(?<![\w'’])let\s+(?:me|us)\s+(?P<rest>(?!know\b)(?!think\b)(?!see\b)(?!guess\b).*)$", _I
)
_SUBJECTLESS = re.compile(
    rf"^(?:(?:and|so|then|ok|okay|sure|yes|yep|yeah|great|thanks|cool|perfect|noted|got\s+it)"
    rf"[,!.]?\s+)*(?:will|gonna|going\s+to|planning\s+to)\s+(?P<adv>{_ADVERBS})(?P<rest>.*)$",
    _I,
)
_GERUND = re.compile(
    r"^(?:(?:ok|okay|sure|yes|yep|great|thanks|noted)[,!.]?\s+)*(?P<rest>(?:sending|shipping"
    r"|calling|emailing|getting|booking|setting\s+up|following\s+up|pushing|chasing|drafting"
    r"|preparing|refunding|reissuing|resending|scheduling)\b.*)$",
    _I,
)
_ADDRESSED = re.compile(
    r"(?<![\w'’])you(?:'ll|’ll|\s+will|\s+should|\s+can\s+expect\s+to)\s+(?:also\s+|then\s+)?"
    r"(?P<verb>get|have|hear|receive|see)\b(?P<rest>.*)$",
    _I,
)
_EXPECT = re.compile(
    r"^(?:(?:sure|yes|yep|ok|okay|great|can\s+do|will\s+do|on\s+it)[,!.]?\s+)*(?:please\s+)?"
    r"expect\s+(?P<rest>(?:a|an|the|my|our|it|them|this|that|these|an?\s+\w+|\w+)\b.*)$",
    _I,
)
_OWED = re.compile(
    r"(?:(?<![\w'’])(?:i|we)\s+(?:still\s+|also\s+|definitely\s+)?|^)owe\s+(?P<rest>.+)$", _I
)
_STOCK = re.compile(
    r"^(?:(?:sure|yes|yep|yeah|ok|okay|absolutely|of\s+course|no\s+problem|np)[,!.]?\s+)*"
    r"(?P<phrase>will\s+do|can\s+do|on\s+it|you\s+got\s+it|leave\s+it\s+with\s+me"
    r"|consider\s+it\s+done|count\s+on\s+(?:me|us)|i'm\s+on\s+it|i’m\s+on\s+it|we're\s+on\s+it"
    r"|we’re\s+on\s+it|i\s+got\s+(?:it|this|you)|i’ve\s+got\s+(?:it|this|you)"
    r"|i've\s+got\s+(?:it|this|you)|leave\s+that\s+with\s+me)\b(?P<rest>.*)$",
    _I,
)
_AGREEMENT = re.compile(
    r"^(?:sure|yes|yep|yeah|ok|okay|absolutely|of\s+course|no\s+problem|np|definitely"
    r"|sounds\s+good|happy\s+to|can\s+do|will\s+do|you\s+bet|for\s+sure|deal)\b",
    _I,
)

# What unmakes a commitment in its own clause.
_QUESTION_START = re.compile(
    r"^(?:@\S+\s+|hey\s+\S+,?\s+)?(?:will\s+(?=(?:you|we|they|he|she|it|there|this|that|the|anyone"
    r"|someone|somebody|everyone|[A-Z])\b)|can|could|would|should|shall|do|does|did|are|is|am"
    r"|was|were|have|has|any|what|when|where|who|whom|why|how|which|want\s+me|need\s+me"
    r"|wanna|mind\s+if)\b",
    _I,
)
_OFFER = re.compile(
    r"\b(?:want\s+me\s+to|would\s+you\s+like\s+me\s+to|shall\s+i|should\s+i|happy\s+to\s+\w+"
    r"(?:\s+\w+){0,6}\s+if\b|if\s+(?:you'd|you\s+would|you)\s+(?:like|want|prefer)|if\s+that"
    r"\s+helps|if\s+needed|if\s+useful|if\s+helpful|let\s+me\s+know\s+if)\b",
    _I,
)
_REQUEST_START = re.compile(
    r"^(?:@\S+\s*,?\s*)?(?:please|pls|plz|could\s+you|can\s+you|would\s+you|make\s+sure\s+you"
    r"|let's|let’s|lets|don't\s+forget|remember\s+to|kindly)\b",
    _I,
)
_NEGATION = re.compile(
    r"\b(?:not|never|no\s+longer|won't|won’t|can't|can’t|cannot|couldn't|couldn’t|don't"
    r"|don’t|unable|neither)\b|n't\b|n’t\b",
    _I,
)
_HEDGE = re.compile(
    r"\b(?:might|may|maybe|perhaps|possibly|probably|hopefully|no\s+promises|at\s+some\s+point"
    r"|someday|one\s+day|if\s+i\s+can|if\s+i\s+get\s+(?:a\s+)?(?:chance|time)|when\s+i\s+get"
    r"\s+(?:a\s+)?(?:chance|time)|eventually|try\s+to|try\s+and|attempt\s+to|hope\s+to)\b",
    _I,
)
# "…if anything changes", "…if that works": a condition after the commitment (or an offer
# awaiting an answer) leaves nothing owed yet
_IF_LATER = re.compile(r"\b(?:if|unless|in\s+case)\b", _I)
_CONDITION_FIRST = re.compile(
    r"^(?:\w+[,!]?\s+){0,2}(?:if|once|unless|assuming|provided|as\s+soon\s+as|when|whenever"
    r"|in\s+case|should\s+(?:they|you|he|she|it))\b",
    _I,
)
_IDIOM = re.compile(
    r"^(?:pass|be\s+honest|be\s+frank|be\s+brief|be\s+quick|be\s+right\s+back|admit|believe"
    r"|take\s+your\s+word|take\s+that\s+as|let\s+it\s+(?:go|slide)|let\s+you\s+go|bite|see\s+what"
    r"\s+i\s+can\s+do|leave\s+it\s+there|leave\s+it\s+at\s+that|give\s+you\s+that|allow\s+it"
    r"|stop\s+there|shut\s+up|drop\s+it|say\s+(?:this|that|it)|bet|never\s+forget|be\s+damned"
    r"|keep\s+(?:that|it|this)\s+in\s+mind|think\s+about\s+it|see\s+you|catch\s+you"
    r"|talk\s+to\s+you\s+(?:later|soon)|take\s+it\s+from\s+here|play\s+devil)\b",
    _I,
)
# looking into something with no deliverable: a promise only with a date ("I'll take a look
# tomorrow"), not alone ("I'll take a look", "I'll keep an eye on it")
_VAGUE = re.compile(
    r"(?:take\s+a\s+(?:look|peek|stab)|have\s+a\s+look|keep\s+an\s+eye|look\s+at\s+(?:it|this|that)"
    r"|check\s+it\s+out|think\s+about|see\s+what)\b",
    _I,
)
_YOU = re.compile(r"(?<![\w'’])(?:you|your|yours|ya|u)(?![\w'’])", _I)
_ME_US = re.compile(r"\bfrom\s+(?:me|us)\b", _I)
_FOR_SOMEONE = re.compile(
    r"\b(?:to|for|with|back\s+to)\s+(?:you|them|him|her|the\s+(?:candidate|customer|client|team"
    r"|prospect|applicant)|[A-Z@])",
)
_DELIVERABLE_NOUN = re.compile(
    r"\b(?:quote|contract|offer|proposal|deck|invoice|refund|answer|update|reply|feedback|numbers"
    r"|report|summary|recap|draft|details|docs?|documents?|paperwork|nda|sow|msa|redlines?"
    r"|tracking|fix|credit|call|intro|introduction|invite|case\s+study|pricing|estimate|order"
    r"|shipment|package|parcel|replacement|access|results?|decision|references?|schedule|data)\b",
    _I,
)

# ------------------------------------------------------------------------------ reading


@dataclass(frozen=True)
class _Reading:
    voice: str
    confidence: float
    rest: str  # the commitment from its verb on (the deliverable and the deadline)


def _first_word(rest: str) -> str:
    m = re.match(r"\s*([\w’'-]+(?:\s+(?:from|up|over|out|back|in|on|to|into|around))?)", rest)
    return m.group(1) if m else ""


def _doing(rest: str) -> bool:
    """The commitment's verb does something for someone (not a plan, not an idiom)."""
    stripped = rest.strip()
    if _IDIOM.match(stripped):
        return False
    head = stripped.split(" ", 1)[0].strip(",.!").lower() if stripped else ""
    if head in {"be"}:
        tail = stripped[2:].lstrip()
        return bool(
            re.match(
                r"(?:in\s+touch|back\s+(?:to|in\s+touch)|sending|getting|calling|following"
                r"|reaching|sharing|there\s+for|able\s+to\s+(?:send|get|share|confirm))\b",
                tail,
                _I,
            )
        )
    if head in {"work"}:
        return bool(re.match(r"work\s+(?:on|with|through)\b", stripped, _I)) and (
            _FOR_SOMEONE.search(stripped) is not None
            or _DELIVERABLE_NOUN.search(stripped) is not None
        )
    if _PLAN.match(stripped):
        return False
    return bool(_DO_RE.match(head))


def _commitment(clause: str) -> _Reading | None:
    """The voice and strength of a commitment in one clause, or None."""
    text = clause.strip()
    stock = _STOCK.match(text)
    if stock is not None:
        after = stock.group("rest").strip(" ,.!-–—")
        inner = _commitment(after) if after else None
        if inner is not None:
            return _Reading(Voice.AGREEMENT, max(inner.confidence, 0.8), inner.rest)
        return _Reading(Voice.AGREEMENT, 0.7, after)
    m = _FIRST.search(text)
    if m is not None and _doing(m.group("rest")):
        vague = _VAGUE.match(m.group("rest").strip()) is not None
        return _Reading(Voice.FIRST_PERSON, 0.45 if vague else 0.8, m.group("rest"))
    m = _OWED.search(text)
    if m is not None:
        return _Reading(Voice.OWED, 0.75, m.group("rest"))
    m = _ADDRESSED.search(text)
    if m is not None:
        return _Reading(Voice.ADDRESSED, 0.75, f"{m.group('verb')}{m.group('rest')}")
    m = _EXPECT.match(text)
    if m is not None:
        return _Reading(Voice.ADDRESSED, 0.6, m.group("rest"))
    m = _LET_ME.search(text)
    if m is not None and _doing(m.group("rest")):
        rest = m.group("rest")
        strong = re.search(
            r"\b(?:get|come|circle|loop|report)\s+back|\blet\s+you\s+know|\bconfirm|\breply"
            r"|\bupdate\s+you|\bfollow\s+up",
            rest,
            _I,
        )
        return _Reading(Voice.FIRST_PERSON, 0.75 if strong else 0.5, rest)
    m = _SUBJECTLESS.match(text)
    if m is not None and _doing(m.group("rest")):
        return _Reading(Voice.SUBJECTLESS, 0.7, m.group("rest"))
    m = _CAN.search(text)
    if m is not None and _doing(m.group("rest")):
        return _Reading(Voice.FIRST_PERSON, 0.45, m.group("rest"))
    m = _GERUND.match(text)
    if m is not None:
        return _Reading(Voice.SUBJECTLESS, 0.45, m.group("rest"))
    return None


def _unmade(clause: str, sentence: str, reading: _Reading) -> bool:
    """Something in the clause or its sentence takes the commitment back."""
    text = clause.strip()
    if sentence.rstrip().endswith("?") or _QUESTION_START.match(sentence.strip()):
        return True
    if _OFFER.search(sentence) or _REQUEST_START.match(text):
        return True
    before = text[: max(0, len(text) - len(reading.rest))]
    if _NEGATION.search(before) or re.match(r"\s*(?:not|never)\b", reading.rest, _I):
        return True
    if _HEDGE.search(text) or _IF_LATER.search(reading.rest):
        return True
    return bool(_CONDITION_FIRST.match(text)) or bool(_CONDITION_FIRST.match(sentence.strip()))


def _clean(text: str) -> str:
    text = text[:MAX_CHARS]
    text = _CODE_BLOCK.sub(" ", text)
    text = _INLINE_CODE.sub(" ", text)
    text = _BLOCK_QUOTE.sub(" ", text)
    text = _QUOTED.sub(" ", text)
    text = _SLACK_LINK.sub(lambda m: m.group(1) or "", text)
    text = _SLACK_MENTION.sub(lambda m: "@" + (m.group(2) or m.group(1)), text)
    text = _SLACK_SPECIAL.sub(" ", text)
    return text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")


def detect_promise(
    text: str,
    *,
    now: datetime,
    tz: str | ZoneInfo,
    locale: str | None = None,
    working_day: WorkingDay = DEFAULT_WORKING_DAY,
) -> Detection:
    """Whether ``text`` commits its author to doing something for someone, and what. Pure;
    never raises (anything unexpected reads as "not a promise")."""
    if not isinstance(text, str) or not text.strip():
        return _NOT
    try:
        return _detect(text, now, tz, locale, working_day)
    except Exception:  # a detector must never break the message it reads
        return _NOT


def _detect(
    text: str, now: datetime, tz: str | ZoneInfo, locale: str | None, wd: WorkingDay
) -> Detection:
    cleaned = _clean(text)
    if _JOKE.search(cleaned):
        return _NOT
    best: tuple[_Reading, str, str] | None = None
    for sentence in _sentences(_EMOJI.sub(" ", cleaned)):
        clauses = [c for c in _CLAUSE_CUT.split(sentence) if c and c.strip()]
        agreed = _AGREEMENT.match(sentence.strip()) is not None
        for clause in clauses:
            reading = _commitment(clause)
            if reading is None or _unmade(clause, sentence, reading):
                continue
            if agreed and reading.voice is not Voice.AGREEMENT:
                reading = _Reading(reading.voice, reading.confidence + 0.05, reading.rest)
            if best is None or reading.confidence > best[0].confidence:
                best = (reading, clause, sentence)
    if best is None:
        return _agreement_with_date(cleaned, now, tz, locale, wd)
    reading, clause, sentence = best
    return _read(reading, clause, sentence, now, tz, locale, wd, cleaned)


def _agreement_with_date(
    cleaned: str, now: datetime, tz: str | ZoneInfo, locale: str | None, wd: WorkingDay
) -> Detection:
    """ "Sure, by Friday" / "Yes - tomorrow morning": an agreement that only names when."""
    text = _EMOJI.sub(" ", cleaned).strip()
    m = re.match(
        r"^(?:sure|yes|yep|yeah|ok|okay|absolutely|of\s+course|no\s+problem|can\s+do|will\s+do)"
        r"[,!.]?\s*[-–—]?\s*(?P<rest>.{0,40})$",
        text,
        _I,
    )
    if m is None or not m.group("rest").strip():
        return _NOT
    reading = _Reading(Voice.AGREEMENT, 0.5, m.group("rest"))
    detection = _read(reading, text, text, now, tz, locale, wd, text)
    if detection.has_date and len(detection.deadline.description.strip(" ,.!")) <= 3:  # type: ignore[union-attr]
        return detection
    return _NOT


_GREETING = re.compile(
    r"^\s*(?i:hi|hey|hello|dear|morning|good\s+(?:morning|afternoon)|thanks|thank\s+you)[,!]?\s+"
    r"(?P<name>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)?)\s*[,!:.\-–—]",
)
_SUBJECT_AHEAD = re.compile(r"[\s,;:]*(?:i|we|you|they|he|she|it|i've|we've|i’ve|we’ve)\b", _I)
_ADDRESSED_VERB = re.compile(r"^(?:get|have|receive|see)\s+", _I)


def _deliverable(reading: _Reading, description: str) -> str:
    """The deliverable as a to-do for its owner ("send the numbers", not "you the numbers")."""
    what = re.sub(r"\s+", " ", description).strip(" ,.!-–—")
    if reading.voice is Voice.OWED:
        what = "send " + re.split(r",\s*(?:will|i'll|i’ll|and)\b", what, maxsplit=1, flags=_I)[0]
    elif reading.voice is Voice.ADDRESSED:
        if re.match(r"hear\b", what, _I):
            what = "get back to you" + what[4:]
        else:
            what = _ADDRESSED_VERB.sub("", what)
        what = re.sub(r"\s*\bfrom\s+(?:me|us|our\s+team)\b", "", what, flags=_I)
    if _DEADLINE_ONLY.match(what):
        return ""
    return what[:1].lower() + what[1:] if what[:2] != what[:2].upper() else what


_NOT_ADDRESSEES = frozenset({"all", "team", "everyone", "folks", "guys", "there"})
_DEADLINE_ONLY = re.compile(r"^(?:by|before|on|at|until|till)?\s*$", _I)


def _read(
    reading: _Reading,
    clause: str,
    sentence: str,
    now: datetime,
    tz: str | ZoneInfo,
    locale: str | None,
    wd: WorkingDay,
    message: str = "",
) -> Detection:
    rest = reading.rest.strip(" ,.!-–—")
    parsed = parse_deadline(rest, now=now, tz=tz, working_day=wd, locale=locale)
    at = sentence.find(clause)
    after = sentence[at + len(clause) :] if at >= 0 else ""
    # The clause named no date; what follows it may ("…, should be by EOD"), unless it is a
    # clause of its own ("…, I've raised it today").
    if (
        parsed.deadline is None
        and parsed.phrase is None
        and after.strip(" ,.;:!-–—")
        and not _SUBJECT_AHEAD.match(after)
    ):
        tail = parse_deadline(after, now=now, tz=tz, working_day=wd, locale=locale)
        if tail.deadline is not None:
            parsed = ParsedDeadline(
                deadline=tail.deadline,
                phrase=tail.phrase,
                description=parsed.description,
                problem=tail.problem,
                zone=tail.zone,
            )
    cadence = find_cadence(rest, now=now, tz=tz, working_day=wd)
    if (
        cadence is not None
        and not cadence.stated
        and cadence.ends_at is None
        and cadence.end_event is None
        and parsed.deadline is not None
    ):
        cadence = None  # "I'll be in touch by Friday": one deadline, not a rhythm
    what = _deliverable(reading, cadence.description if cadence is not None else parsed.description)
    confidence = reading.confidence
    dated = parsed.deadline is not None and parsed.problem is None
    if dated or cadence is not None:
        confidence += 0.15
    to_reader = _YOU.search(rest) is not None or _ME_US.search(rest) is not None
    if to_reader or _FOR_SOMEONE.search(rest) or _DELIVERABLE_NOUN.search(rest):
        confidence += 0.05
    if parsed.deadline is not None and parsed.deadline <= now:
        confidence -= 0.3  # a date already gone is a report, not a promise
    counterpart = find_counterpart(what) if what else Counterpart(None, None)
    if counterpart.name is None:
        greeting = _GREETING.match(message)
        if greeting is not None and greeting.group("name").lower() not in {
            "all",
            "team",
            "everyone",
        }:
            counterpart = Counterpart(greeting.group("name"), counterpart.kind)
    confidence = round(max(0.0, min(1.0, confidence)), 2)
    return Detection(
        is_promise=confidence >= THRESHOLD,
        confidence=confidence,
        voice=reading.voice,
        sentence=sentence.strip(),
        what=what,
        counterpart=counterpart if counterpart.name or counterpart.kind else None,
        to_reader=to_reader,
        deadline=parsed,
        cadence=cadence,
        commitment=rest,
    )


def warm_up() -> None:
    """Compile everything once so the first message read is as fast as the rest."""
    detect_promise(
        "Thanks! I'll send you the revised quote by Friday 5pm, and keep you posted every day.",
        now=datetime.now(UTC),
        tz="UTC",
        locale="en-US",
    )
