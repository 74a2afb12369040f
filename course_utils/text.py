"""From raw text to integer ids: the course tokenizer and the ``Vocabulary`` class.

Plain Python: nothing here needs torch.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

# Order matters: the first alternative that matches at a position wins.
_TOKEN_PATTERN = re.compile(
    r"""
    (?P<url>(?:https?://|www\.)\S+?(?=[.,!?;:)]*(?:\s|$)))  # links, kept whole (not their final '!')
    | (?P<mention>@\w+)                              # @user
    | (?P<hashtag>\#\w+)                             # #topic
    | (?P<emoticon>[:;=][\-'o^]?[()\[\]DPpOo/\\|*3]+(?!\w)|<3+|\^_+\^|[xX][dD](?!\w))  # :) :-( ;D <3 ^_^ xD
    | (?P<word>\w+(?:'\w+)*)                         # words, with contractions: don't, i'm
    | (?P<punct>[^\w\s])(?P=punct)*                  # a run of one punctuation mark: ! !!! ...
    """,
    re.VERBOSE,
)


def tokenize(text: str) -> list[str]:
    """Split a tweet into tokens, the way the whole course does it.

    What it does:

    * lower-cases everything except emoticons (``":D"`` and ``":d"`` mean different things);
    * keeps URLs, ``@mentions``, ``#hashtags`` and emoticons (``:)``, ``:-(``, ``<3``) whole;
    * keeps contractions as one word (``"don't"``, ``"i'm"``);
    * splits punctuation off words; a run of the same mark stays one token (``"!!!"``, ``"..."``).

    >>> tokenize("@amy Sooo happy :D see http://bit.ly/x!!!")
    ['@amy', 'sooo', 'happy', ':D', 'see', 'http://bit.ly/x', '!!!']
    """
    if not isinstance(text, str):
        raise TypeError(f"tokenize expects a string, got {type(text).__name__}")
    tokens = []
    for match in _TOKEN_PATTERN.finditer(text):
        token = match.group(0)
        tokens.append(token if match.lastgroup == "emoticon" else token.lower())
    return tokens


class Vocabulary:
    """A two-way map between tokens and integer ids.

    The special tokens come first, so ``<PAD>`` is always id 0 and ``<UNK>`` id 1:

    * ``<PAD>`` fills the empty positions of short sequences in a batch;
    * ``<UNK>`` stands for any token the vocabulary does not know;
    * ``<SOS>`` / ``<EOS>`` mark the start and end of a sequence (used by generators,
      not by the classifiers of this course, but reserved so ids stay stable).

    Build it from the TRAINING split only: tokens seen only in validation or test data must
    become ``<UNK>``, exactly as unseen words will at prediction time.

    >>> vocab = Vocabulary()
    >>> vocab.build([["i", "am", "happy"], ["i", "am", "worried"]], min_freq=2)
    >>> vocab.encode(["i", "am", "bored"])  # "am" and "i" tie: alphabetical order
    [5, 4, 1]
    """

    def __init__(self, specials: Sequence[str] = ("<PAD>", "<UNK>", "<SOS>", "<EOS>")) -> None:
        specials = list(specials)
        if len(specials) < 2 or specials[0] != "<PAD>" or specials[1] != "<UNK>":
            raise ValueError(f"specials must start with '<PAD>' then '<UNK>', got {specials}")
        if len(set(specials)) != len(specials):
            raise ValueError(f"specials must not repeat a token, got {specials}")
        self.specials = specials
        self.token_to_index: dict[str, int] = {}
        self.index_to_token: list[str] = []
        for token in specials:
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
        if not isinstance(token, str):
            raise TypeError(f"tokens must be strings, got {type(token).__name__}: {token!r}")
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
        data always gives the same ids.
        """
        if isinstance(min_freq, bool) or not isinstance(min_freq, int) or min_freq < 1:
            raise ValueError(f"min_freq must be an int >= 1, got {min_freq!r}")
        if max_size is not None and (not isinstance(max_size, int) or max_size < len(self.specials)):
            raise ValueError(
                f"max_size must be None or an int >= {len(self.specials)} (the specials), got {max_size!r}"
            )
        if isinstance(token_lists, str):
            raise TypeError("build expects a list of token lists, got one string; tokenize your texts first")
        counts: Counter[str] = Counter()
        for tokens in token_lists:
            if isinstance(tokens, str):
                raise TypeError(
                    f"build expects a list of token lists, got the string {tokens!r} inside it; "
                    "pass [tokenize(text) for text in texts]"
                )
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
        """Token with id ``index``, or ``"<UNK>"`` if no token has that id."""
        if 0 <= index < len(self.index_to_token):
            return self.index_to_token[index]
        return "<UNK>"

    def encode(self, tokens: Sequence[str]) -> list[int]:
        """Turn a list of tokens into a list of ids (unknown tokens become ``<UNK>``'s id)."""
        if isinstance(tokens, str):
            raise TypeError("encode expects a list of tokens, got one string; call tokenize(text) first")
        return [self.get_index(token) for token in tokens]

    def decode(self, ids: Iterable[int]) -> list[str]:
        """Turn ids back into tokens. (Unknown words stay ``<UNK>``: encoding loses them.)"""
        return [self.get_token(int(index)) for index in ids]

    def __len__(self) -> int:
        return len(self.index_to_token)

    def __contains__(self, token: object) -> bool:
        return token in self.token_to_index

    def __repr__(self) -> str:
        return f"Vocabulary(size={len(self)}, specials={self.specials})"
