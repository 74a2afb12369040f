"""From raw text to integer ids: the course tokenizer and the ``Vocabulary`` class.

Plain Python: nothing here needs torch.
"""

from __future__ import annotations

import html
import operator
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence


def _characters_in(categories: set[str], code_points: Iterable[int]) -> str:
    """The characters among ``code_points`` whose Unicode category is in ``categories``, e.g. ``{"Mn"}``."""
    return "".join(chr(c) for c in code_points if unicodedata.category(chr(c)) in categories)


# Characters that print nothing: control codes, zero-width spaces, direction marks, the BOM, ...
# (Unicode categories Cc and Cf; all in planes 0, 1 and 14), except white space such as "\n",
# which separates words, and the zero-width joiner U+200D, which glues emoji (handled below).
INVISIBLE = "".join(
    c for c in _characters_in({"Cc", "Cf"}, [*range(0x20000), *range(0xE0000, 0xE1000)])
    if not c.isspace() and c != "\u200d"
)
# Combining marks: accents, vowel signs, emoji variation selectors; each belongs to the character
# before it. The exact list for the first 65,536 code points; beyond them two broad ranges stand in
# for the rare rest (Python's re checks a character against a long list of ranges slowly).
MARKS = _characters_in({"Mn", "Mc", "Me"}, range(0x10000)) + "\U000101FD-\U0001E94A\U000E0100-\U000E01EF"
# Emoji pictures: a practical set of code-point ranges, not Unicode's full emoji list.
EMOJI = (
    "\u00a9\u00ae\u203c\u2049\u2122\u2139\u2194-\u21aa\u231a-\u23ff\u24c2\u25aa-\u27bf"
    "\u2934\u2935\u2b05-\u2b55\u3030\u303d\u3297\u3299\U0001F000-\U0001FAFF"
)

_INVISIBLE_PATTERN = re.compile(
    rf"""
    [{INVISIBLE}]
    | (?<![{EMOJI}\ufe0f]) \u200d    # a zero-width joiner (ZWJ) not right after an emoji,
    | \u200d (?![{EMOJI}])            # ...or not right before one (👨 ZWJ 👩 ZWJ 👧 is one picture)
    """,
    re.VERBOSE,
)


def normalize_text(text: str) -> str:
    """Undo what the web did to a tweet's text, before ``tokenize`` cuts it into tokens.

    * HTML entities become the characters they stand for: ``"&lt;3"`` -> ``"<3"``,
      ``"&amp;"`` -> ``"&"``, ``"&quot;"`` -> ``'"'`` (Kaggle's tweets are HTML-escaped);
    * Unicode NFC: an accent typed as a separate mark (``"e" + "\\u0301"``) becomes the one
      character ``"é"``, so both spellings give the same tokens;
    * ``"ï¿½"``, the mojibake of a character lost before the file was written (UTF-8 read as
      Latin-1), becomes the replacement character ``"�"``: one token that says "something was here";
    * invisible characters are dropped (``"hap\\u200bpy"`` -> ``"happy"``), except the zero-width
      joiner inside an emoji sequence such as 👨‍👩‍👧.
    """
    text = unicodedata.normalize("NFC", text)  # first: then "é" typed either way looks the same below
    text = html.unescape(text)
    text = text.replace("ï¿½", "\ufffd")
    text = _INVISIBLE_PATTERN.sub("", text)
    return unicodedata.normalize("NFC", text)  # again: "e&#769;" or "e\u200b\u0301" only now became e + ´


_WORD = rf"\w[\w{MARKS}]*"  # \w: letters, digits, _ (a combining mark stays with its letter)
_ONE_EMOJI = rf"[{EMOJI}][\U0001F3FB-\U0001F3FF]?[{MARKS}]*"  # 👍🏽: thumbs up + a skin tone

# Order matters: the first alternative that matches at a position wins.
_TOKEN_PATTERN = re.compile(
    rf"""
    (?P<url>(?:https?://|www\.)\S*[^\s.,!?;:)])  # links, kept whole (not their final '!')
    | (?P<mention>@{_WORD})                           # @user
    | (?P<hashtag>\#{_WORD})                          # #topic
    | (?P<emoticon>[:;=][\-'o^]?[()\[\]DPpOo/\\|*3]+(?!\w)|<3+|\^_+\^|[xX][dD](?!\w))  # :) :-( ;D <3 ^_^ xD
    | (?P<emoji>[\U0001F1E6-\U0001F1FF]{{2}}          # a flag: two letters, 🇺 + 🇸 = 🇺🇸
        | {_ONE_EMOJI}(?:\u200d{_ONE_EMOJI})*)(?P=emoji)*  # emoji joined by ZWJ; a run of one emoji
    | (?P<word>{_WORD}(?:'{_WORD})*)                 # words, with contractions: don't, i'm
    | (?P<punct>[^\w\s{MARKS}\u200d])(?P=punct)*   # a run of one punctuation mark: ! !!! ...
    """,
    re.VERBOSE,
)


def tokenize(text: str) -> list[str]:
    """Split a tweet into tokens, the way the whole course does it.

    What it does, after ``normalize_text`` (HTML entities, Unicode form, invisible characters):

    * lower-cases everything except emoticons (``":D"`` and ``":d"`` mean different things);
    * keeps URLs, ``@mentions``, ``#hashtags``, emoticons (``:)``, ``:-(``, ``<3``) and emoji
      (``👍🏽``, ``🇺🇸``, ``👨‍👩‍👧``) whole;
    * keeps contractions as one word (``"don't"``, ``"i'm"``);
    * splits punctuation off words; a run of the same mark stays one token (``"!!!"``, ``"..."``).

    It takes time proportional to the length of the text, whatever the text.

    >>> tokenize("@amy Sooo happy :D see http://bit.ly/x!!! I &lt;3 it")
    ['@amy', 'sooo', 'happy', ':D', 'see', 'http://bit.ly/x', '!!!', 'i', '<3', 'it']
    """
    if not isinstance(text, str):
        raise TypeError(f"tokenize expects a string, got {type(text).__name__}")
    tokens = []
    for match in _TOKEN_PATTERN.finditer(normalize_text(text)):
        token = match.group(0)
        tokens.append(token if match.lastgroup in ("emoticon", "emoji") else token.lower())
    return tokens


def check_tokens(tokens: object, caller: str) -> None:
    """Raise a ``TypeError`` unless ``tokens`` is one tokenized text: a list of strings, like ``tokenize(text)``."""
    if isinstance(tokens, str):
        raise TypeError(f"{caller} expects a list of tokens, got the string {tokens[:40]!r}; call tokenize(text) first")
    for token in tokens:
        if not isinstance(token, str):
            hint = " (ids? decode turns ids back into tokens)" if isinstance(token, int) else ""
            raise TypeError(f"{caller}: tokens must be strings, got {type(token).__name__}: {token!r}{hint}")


def check_specials(specials: Sequence[str]) -> list[str]:
    """Return ``specials`` as a list if it starts with ``<PAD>`` then ``<UNK>`` and repeats nothing."""
    specials = list(specials)
    if len(specials) < 2 or specials[0] != "<PAD>" or specials[1] != "<UNK>":
        raise ValueError(f"specials must start with '<PAD>' then '<UNK>', got {specials}")
    if len(set(specials)) != len(specials):
        raise ValueError(f"specials must not repeat a token, got {specials}")
    check_tokens(specials, "specials")
    return specials


def check_build_arguments(token_lists: object, min_freq: object, max_size: object, n_specials: int) -> None:
    """Raise a clear error unless these arguments of ``Vocabulary.build`` make sense."""
    if isinstance(token_lists, str):
        raise TypeError("build expects a list of token lists, got one string; tokenize your texts first")
    if isinstance(min_freq, bool) or not isinstance(min_freq, int) or min_freq < 1:
        raise ValueError(f"min_freq must be an int >= 1, got {min_freq!r}")
    if max_size is not None and (isinstance(max_size, bool) or not isinstance(max_size, int) or max_size < n_specials):
        raise ValueError(f"max_size must be None or an int >= {n_specials} (the specials), got {max_size!r}")


def check_id(index: object, size: int) -> int:
    """Return ``index`` as an int if it is an id of a vocabulary of ``size`` tokens; else raise a clear error."""
    try:
        index = operator.index(index)  # ints, numpy ints, one-element integer tensors; not 1.7
    except TypeError:
        raise TypeError(f"ids must be integers, got {type(index).__name__}: {index!r}") from None
    if not 0 <= index < size:
        raise IndexError(f"id {index} is not in this vocabulary: its ids go from 0 to {size - 1}")
    return index


class Vocabulary:
    """A two-way map between tokens and integer ids.

    The special tokens come first, so ``<PAD>`` is always id 0 and ``<UNK>`` id 1:

    * ``<PAD>`` fills the empty positions of short sequences in a batch;
    * ``<UNK>`` stands for any token the vocabulary does not know;
    * ``<SOS>`` / ``<EOS>`` mark the start and end of a sequence (used by generators,
      not by the classifiers of this course, but reserved so ids stay stable).

    Build it from the TRAINING split only: tokens seen only in validation or test data must
    become ``<UNK>``, exactly as unseen words will at prediction time. The ``check_...``
    functions above it catch bad input with a message that says what was expected.

    >>> vocab = Vocabulary()
    >>> vocab.build([["i", "am", "happy"], ["i", "am", "worried"]], min_freq=2)
    >>> vocab.encode(["i", "am", "bored"])  # "am" and "i" tie: alphabetical order
    [5, 4, 1]
    """

    def __init__(self, specials: Sequence[str] = ("<PAD>", "<UNK>", "<SOS>", "<EOS>")) -> None:
        self.specials = check_specials(specials)
        self.token_to_index: dict[str, int] = {}
        self.index_to_token: list[str] = []
        for token in self.specials:
            self.add_token(token)

    @property
    def pad_index(self) -> int:
        """Id of ``<PAD>`` (always 0)."""
        return self.token_to_index["<PAD>"]

    @property
    def unk_index(self) -> int:
        """Id of ``<UNK>`` (always 1)."""
        return self.token_to_index["<UNK>"]

    def add_token(self, token: str) -> int:
        """Add ``token`` if it is new; return its id either way."""
        check_tokens([token], "add_token")
        if token not in self.token_to_index:
            self.token_to_index[token] = len(self.index_to_token)
            self.index_to_token.append(token)
        return self.token_to_index[token]

    def build(
        self, token_lists: Iterable[Sequence[str]], min_freq: int = 1, max_size: int | None = None
    ) -> None:
        """(Re)build the vocabulary from tokenized texts, e.g. ``[tokenize(t) for t in train_texts]``.

        Args:
            token_lists: one list of tokens per text.
            min_freq: keep tokens seen at least this many times; rarer ones will map to ``<UNK>``.
            max_size: the largest vocabulary size allowed, specials included (``None``: no limit).

        Most frequent tokens get the smallest ids; ties are broken alphabetically, so the same
        training data always gives the same ids (other data gives other ids: save the vocabulary
        with the model). If the input is bad, the error comes before the old entries are replaced.
        """
        check_build_arguments(token_lists, min_freq, max_size, len(self.specials))
        counts: Counter[str] = Counter()
        for tokens in token_lists:
            check_tokens(tokens, "build")
            counts.update(tokens)

        self.token_to_index, self.index_to_token = {}, []
        for token in self.specials:
            self.add_token(token)
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        for token, count in ranked:
            if count < min_freq or (max_size is not None and len(self) >= max_size):
                break
            self.add_token(token)

    def get_index(self, token: str) -> int:
        """Id of ``token``, or ``<UNK>``'s id if the token is unknown."""
        return self.token_to_index.get(token, self.unk_index)

    def get_token(self, index: int) -> str:
        """Token with id ``index``; an id that no token has raises an ``IndexError``."""
        return self.index_to_token[check_id(index, len(self))]

    def encode(self, tokens: Sequence[str]) -> list[int]:
        """Turn a list of tokens into a list of ids (unknown tokens become ``<UNK>``'s id)."""
        check_tokens(tokens, "encode")
        return [self.get_index(token) for token in tokens]

    def decode(self, ids: Iterable[int]) -> list[str]:
        """Turn ids back into tokens. (Unknown words stay ``<UNK>``: encoding loses them.)"""
        return [self.get_token(index) for index in ids]

    def __len__(self) -> int:
        return len(self.index_to_token)

    def __contains__(self, token: object) -> bool:
        return token in self.token_to_index

    def __repr__(self) -> str:
        return f"Vocabulary(size={len(self)}, specials={self.specials})"
