import pytest
from hypothesis import given
from hypothesis import strategies as st

from course_utils import Vocabulary, tokenize


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


def test_unknown_tokens_and_ids_map_to_unk():
    vocab = Vocabulary()
    vocab.build([["happy"]])
    assert vocab.get_index("sad") == vocab.unk_index
    assert vocab.get_token(999) == "<UNK>" and vocab.get_token(-1) == "<UNK>"


def test_add_token_is_idempotent():
    vocab = Vocabulary()
    first = vocab.add_token("hi")
    assert vocab.add_token("hi") == first and len(vocab) == 5


@pytest.mark.parametrize("call, error, message", [
    (lambda v: v.build("a string"), TypeError, "tokenize your texts first"),
    (lambda v: v.build(["ab", "cd"]), TypeError, "list of token lists"),
    (lambda v: v.build([["a"]], min_freq=0), ValueError, "min_freq must be an int >= 1"),
    (lambda v: v.build([["a"]], max_size=2), ValueError, "max_size must be None or an int >= 4"),
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
