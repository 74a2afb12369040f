import json
import re
import time
import unicodedata
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils import Vocabulary, tokenize
from course_utils import text as text_module
from course_utils.text import EMOJI, INVISIBLE, MARKS, normalize_text


def test_tokenize_lowercases_and_splits_punctuation():
    assert tokenize("Hello, World!") == ["hello", ",", "world", "!"]


def test_tokenize_keeps_twitter_entities_whole():
    tokens = tokenize("@Amy check #SoHappy http://bit.ly/aB3 :-) <3")
    assert tokens == ["@amy", "check", "#sohappy", "http://bit.ly/ab3", ":-)", "<3"]


def test_tokenize_keeps_emoticon_case_and_contractions():
    assert tokenize("I'm sooo happy :D") == ["i'm", "sooo", "happy", ":D"]
    assert tokenize("don't :P") == ["don't", ":P"]


def test_tokenize_keeps_a_punctuation_run_as_one_token():
    assert tokenize("what?!... no!!!") == ["what", "?", "!", "...", "no", "!!!"]


def test_tokenize_does_not_glue_trailing_punctuation_to_urls():
    assert tokenize("see www.example.com/x.") == ["see", "www.example.com/x", "."]


def test_tokenize_empty_and_bad_input():
    assert tokenize("") == [] and tokenize("   ") == []
    with pytest.raises(TypeError, match="expects a string"):
        tokenize(None)


# --- Real tweets: HTML entities, Unicode, invisible characters, mojibake (issue 13) ---


@pytest.mark.parametrize("text, tokens", [
    ("I &lt;3 you", ["i", "<3", "you"]),                   # T18: the escaped heart is a heart
    ("a &amp; b", ["a", "&", "b"]),                         # T19: no '&', 'amp', ';' debris
    ("&quot;him&quot;)", ['"', "him", '"', ")"]),           # T17: no fake wink ';)'
    ("&gt;&gt; ok", [">>", "ok"]),
])
def test_tokenize_unescapes_html_entities(text, tokens):
    assert tokenize(text) == tokens


@pytest.mark.parametrize("text, tokens", [
    ("\U0001F468\u200d\U0001F469\u200d\U0001F467", ["\U0001F468\u200d\U0001F469\u200d\U0001F467"]),  # T09 family
    ("\U0001F1FA\U0001F1F8\U0001F1EC\U0001F1E7", ["\U0001F1FA\U0001F1F8", "\U0001F1EC\U0001F1E7"]),  # T10 two flags
    ("\U0001F44D\U0001F3FD nice", ["\U0001F44D\U0001F3FD", "nice"]),                              # T11 skin tone
    ("\U0001F469\U0001F3FD\u200d\U0001F4BB", ["\U0001F469\U0001F3FD\u200d\U0001F4BB"]),          # tone + ZWJ
    ("\u2764\ufe0f\u200d\U0001F525 \u2764\ufe0f", ["\u2764\ufe0f\u200d\U0001F525", "\u2764\ufe0f"]),  # VS16
    ("so happy \U0001F600\U0001F600\U0001F602", ["so", "happy", "\U0001F600\U0001F600", "\U0001F602"]),   # T08
])
def test_tokenize_keeps_each_emoji_sequence_whole(text, tokens):
    assert tokenize(text) == tokens


@pytest.mark.parametrize("text, tokens", [
    ("hap\u200bpy day", ["happy", "day"]),  # T12: zero-width space inside a word
    ("\u202eolleh", ["olleh"]),             # T13: right-to-left override
    ("a\x00b\x01 c\x1b", ["ab", "c"]),     # T26, HY02: control characters
    ("\ufeffhi\u00ad there", ["hi", "there"]),  # byte order mark, soft hyphen
    ("hap\u200dpy", ["happy"]),             # a ZWJ outside emoji is invisible too
    ("line one\nline\ttwo", ["line", "one", "line", "two"]),  # white space still separates
])
def test_tokenize_drops_invisible_characters(text, tokens):
    assert tokenize(text) == tokens


def test_tokenize_gives_the_same_tokens_for_composed_and_decomposed_accents():  # T14, HY03
    assert tokenize("cafe\u0301") == tokenize("caf\u00e9") == ["caf\u00e9"]
    assert tokenize("\u00c0 la") == tokenize("A\u0300 la") == ["\u00e0", "la"]


def test_tokenize_keeps_combining_marks_with_their_letters():
    assert tokenize("\u0928\u092e\u0938\u094d\u0924\u0947 \u0301") == ["\u0928\u092e\u0938\u094d\u0924\u0947"]


def test_tokenize_turns_mojibake_into_one_replacement_token():  # RD05
    assert tokenize("carï¿½too Canï¿½t ï¿½20") == ["car", "\ufffd", "too", "can", "\ufffd", "t", "\ufffd", "20"]


def test_normalize_text_is_what_tokenize_reads():
    assert normalize_text("I &lt;3 cafe\u0301\u200b!") == "I <3 caf\u00e9!"


def test_the_character_lists_cover_unicode():
    """INVISIBLE and MARKS are built from planes 0, 1 and 14 (plus two ranges): check against all of Unicode."""
    invisible = re.compile(f"[{INVISIBLE}]")
    marks = re.compile(f"[{MARKS}]")
    for code in range(0x110000):
        char = chr(code)
        category = unicodedata.category(char)
        if category in ("Cc", "Cf") and not char.isspace() and char != "\u200d":
            assert invisible.match(char), f"U+{code:04X} ({category}) is missing from INVISIBLE"
        if category.startswith("M"):
            assert marks.match(char), f"U+{code:04X} ({category}) is missing from MARKS"
    assert not re.match(f"[{MARKS}]", "\U0001F600") and re.match(f"[{EMOJI}]", "\U0001F600")


ADVERSARIAL_1MB = {
    "punctuation runs": "!?" * 500_000,
    "http:// + junk": "http://x" + ".," * 500_000,
    "http:// + dots, no end": "http://" + "." * 1_000_000,
    "repeated &": "&" * 1_000_000,
    "entities": "&amp;&lt;3" * 100_000,
    "www. + bangs": "www." + "!" * 1_000_000,
    "emoticon-like": ":" + "D" * 1_000_000 + "x",
    "zero-width": "a\u200b" * 500_000,
}


@pytest.mark.parametrize("text", ADVERSARIAL_1MB.values(), ids=ADVERSARIAL_1MB.keys())
def test_tokenize_is_fast_on_1mb_of_adversarial_text(text):  # T22, CS32
    # A generous bound on CPU time (about 0.5 s on a laptop core); the old, quadratic pattern
    # needed 5.6 s for 16 kB of dots and about an hour for 500 kB.
    start = time.process_time()
    tokenize(text)
    assert time.process_time() - start < 5


def test_notebook_03_shows_the_normalization_and_token_patterns_verbatim():
    """test_notebook_code_sync checks tokenize and Vocabulary; this checks the code they rely on."""
    source = Path(text_module.__file__).read_text()
    blocks = [
        re.search(r"^_INVISIBLE_PATTERN = re\.compile\(.*?^\)$", source, re.M | re.S).group(0),
        re.search(r"^_WORD = .*?^\)$", source, re.M | re.S).group(0),  # _WORD, _ONE_EMOJI, _TOKEN_PATTERN
        re.search(r"^def normalize_text.*?return unicodedata.*?$", source, re.M | re.S).group(0),
    ]
    notebook = Path(__file__).resolve().parents[1] / "notebooks" / "03_text_to_vocabulary.ipynb"
    cells = ["".join(c["source"]) for c in json.loads(notebook.read_text())["cells"] if c["cell_type"] == "code"]
    for block in blocks:
        assert any(block in cell for cell in cells), f"notebook 03 does not show this code verbatim:\n{block[:80]}"


def test_specials_come_first():
    vocab = Vocabulary()
    assert vocab.pad_index == 0 and vocab.unk_index == 1
    assert vocab.decode([0, 1, 2, 3]) == ["<PAD>", "<UNK>", "<SOS>", "<EOS>"]
    assert len(vocab) == 4


def test_specials_must_start_with_pad_and_unk():
    with pytest.raises(ValueError, match="must start with '<PAD>' then '<UNK>'"):
        Vocabulary(specials=("<UNK>", "<PAD>"))


def test_build_orders_by_frequency_then_alphabetically():
    vocab = Vocabulary()
    vocab.build([["b", "a", "c"], ["c", "b"], ["c"]])
    assert vocab.decode(range(4, 7)) == ["c", "b", "a"]
    vocab.build([["z", "y"], ["y", "z"]])  # a tie
    assert vocab.decode([4, 5]) == ["y", "z"]


def test_build_min_freq_and_max_size():
    docs = [["a", "a", "a", "b", "b", "c"]]
    vocab = Vocabulary()
    vocab.build(docs, min_freq=2)
    assert "b" in vocab and "c" not in vocab
    vocab.build(docs, max_size=5)
    assert len(vocab) == 5 and "a" in vocab and "b" not in vocab


def test_build_replaces_the_previous_vocabulary():
    vocab = Vocabulary()
    vocab.build([["old"]])
    vocab.build([["new"]])
    assert "old" not in vocab and "new" in vocab


def test_unknown_tokens_map_to_unk():
    vocab = Vocabulary()
    vocab.build([["happy"]])
    assert vocab.get_index("sad") == vocab.unk_index
    assert vocab.encode(["sad", "happy"]) == [1, 4]


@pytest.mark.parametrize("bad_id", [5, 999, -1])
def test_an_id_that_no_token_has_is_an_index_error(bad_id):
    vocab = Vocabulary()
    vocab.build([["happy"]])  # ids 0..4
    with pytest.raises(IndexError, match=f"id {bad_id} is not in this vocabulary: its ids go from 0 to 4"):
        vocab.decode([0, bad_id])


def test_decode_takes_ints_numpy_ints_and_integer_tensors():
    vocab = Vocabulary()
    vocab.build([["happy"]])
    assert vocab.decode([4, np.int64(0), torch.tensor(1)]) == ["happy", "<PAD>", "<UNK>"]
    assert vocab.decode(torch.tensor([4, 0])) == ["happy", "<PAD>"]


@pytest.mark.parametrize("ids", [[1.7, 2.2], [float("nan")], [np.float64(4.0)], torch.tensor([[4, 0]])])
def test_decode_refuses_ids_that_are_not_integers(ids):  # V23, V25, V27
    vocab = Vocabulary()
    vocab.build([["happy"]])
    with pytest.raises(TypeError, match="ids must be integers"):
        vocab.decode(ids)


def test_encode_refuses_ids_and_nested_lists():  # V21, V22
    vocab = Vocabulary()
    vocab.build([["happy"]])
    with pytest.raises(TypeError, match=r"encode: tokens must be strings, got int: 1 \(ids\? decode"):
        vocab.encode([1, 2])
    with pytest.raises(TypeError, match=r"encode: tokens must be strings, got list: \['a'\]"):
        vocab.encode([["a"]])


def test_build_names_a_token_that_is_not_a_string():  # V10
    with pytest.raises(TypeError, match="build: tokens must be strings, got int: 1"):
        Vocabulary().build([["a", 1]])


def test_a_failed_build_leaves_the_vocabulary_as_it_was():  # V11
    vocab = Vocabulary()
    vocab.build([["a", "b"], ["a"]])
    before = list(vocab.index_to_token)
    with pytest.raises(TypeError):
        vocab.build([["a"], [3]])
    with pytest.raises(ValueError):
        vocab.build([["a"]], min_freq=0)
    assert vocab.index_to_token == before and vocab.get_index("b") == 5


def test_add_token_is_idempotent():
    vocab = Vocabulary()
    first = vocab.add_token("hi")
    assert vocab.add_token("hi") == first and len(vocab) == 5


@pytest.mark.parametrize("call, error, message", [
    (lambda v: v.build("a string"), TypeError, "tokenize your texts first"),
    (lambda v: v.build(["ab", "cd"]), TypeError, "build expects a list of tokens, got the string 'ab'"),
    (lambda v: v.build([["a"]], min_freq=0), ValueError, "min_freq must be an int >= 1"),
    (lambda v: v.build([["a"]], max_size=2), ValueError, "max_size must be None or an int >= 4"),
    (lambda v: v.build([["a"]], max_size=True), ValueError, "max_size must be None or an int >= 4"),
    (lambda v: v.encode("hello"), TypeError, "call tokenize"),
    (lambda v: v.add_token(3), TypeError, "tokens must be strings"),
])
def test_bad_input_is_explained(call, error, message):
    with pytest.raises(error, match=message):
        call(Vocabulary())


words = st.lists(st.lists(st.text(alphabet="abcdefg", min_size=1, max_size=4), max_size=8), max_size=8)


@given(words)
def test_encode_decode_round_trip_for_known_tokens(token_lists):
    vocab = Vocabulary()
    vocab.build(token_lists)
    for tokens in token_lists:
        assert vocab.decode(vocab.encode(tokens)) == tokens


@given(words, st.integers(1, 4))
def test_every_kept_token_is_frequent_enough(token_lists, min_freq):
    vocab = Vocabulary()
    vocab.build(token_lists, min_freq=min_freq)
    counts = {}
    for tokens in token_lists:
        for token in tokens:
            counts[token] = counts.get(token, 0) + 1
    kept = {vocab.get_token(i) for i in range(4, len(vocab))}
    assert kept == {token for token, count in counts.items() if count >= min_freq}


# --- Properties of the tokenizer on any text (HY01-HY03) ---

def _is_invisible(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Cf")


@given(st.text())
def test_tokens_hold_no_white_space_and_no_invisible_or_mark_only_token(text):
    for token in tokenize(text):
        assert token and not any(char.isspace() for char in token)
        assert not any(_is_invisible(char) and char != "\u200d" for char in token), repr(token)
        assert not all(unicodedata.category(char).startswith("M") or _is_invisible(char) for char in token)
        if "\u200d" in token:  # a zero-width joiner only inside an emoji sequence
            assert re.fullmatch(f"[{EMOJI}][^\u200d]*(\u200d[{EMOJI}][^\u200d]*)+", token), repr(token)


@given(st.text())
def test_decomposed_and_composed_text_give_the_same_tokens(text):
    assert tokenize(unicodedata.normalize("NFD", text)) == tokenize(unicodedata.normalize("NFC", text))


ADVERSARIAL_ALPHABET = ".,!?;:)(&#@Dhtpw/<3^_'x \u200b\u200d\U0001F44D\U0001F3FD\U0001F1FAe\u0301"


@settings(max_examples=15, deadline=None)
@given(st.text(alphabet=ADVERSARIAL_ALPHABET, min_size=1, max_size=12))
def test_tokenize_time_grows_linearly_on_repeated_patterns(unit):
    long_text = "http://" + unit * (200_000 // len(unit))  # about 200 kB
    start = time.process_time()
    tokenize(long_text)
    assert time.process_time() - start < 2  # about 0.1 s expected; quadratic would take minutes


TWEET_ALPHABET = "abcXYZ019 '@#:;()<3&!?.,/_-\n\u00e9\U0001F600"


@given(st.text(alphabet=TWEET_ALPHABET))
def test_tokenizing_loses_no_visible_character_of_the_normalized_text(text):  # HY13, after normalize_text
    tokens = tokenize(text)
    assert "".join(tokens).lower() == "".join(normalize_text(text).split()).lower()
