import os
from collections import Counter

import pandas as pd
import pytest

from course_utils import load_emotion_tweets, make_symbol_sequences, split_dataframe, tokenize
from course_utils.data import THREE_CLASSES, bundled_path


@pytest.fixture(autouse=True)
def _bundled_data_mode(monkeypatch):
    """These tests are about the bundled file: a COURSE_TWEETS in the shell must not change them."""
    monkeypatch.delenv("COURSE_TWEETS", raising=False)


@pytest.fixture(scope="module")
def tweets():
    return load_emotion_tweets(bundled_path())


def test_bundled_tweets_have_the_kaggle_layout(tweets):
    assert list(tweets.columns) == ["tweet_id", "sentiment", "content"]
    assert 15_000 <= len(tweets) <= 25_000
    assert tweets["tweet_id"].is_unique


def test_bundled_tweets_have_the_kaggle_labels_with_three_largest(tweets):
    kaggle = {"neutral", "worry", "happiness", "sadness", "love", "surprise", "fun", "relief",
              "hate", "empty", "enthusiasm", "boredom", "anger"}
    assert set(tweets["sentiment"]) == kaggle
    assert set(tweets["sentiment"].value_counts().index[:3]) == set(THREE_CLASSES)


def test_labels_keep_only_those_classes_with_a_fresh_index(tweets):
    three = load_emotion_tweets(labels=list(THREE_CLASSES))
    assert set(three["sentiment"]) == set(THREE_CLASSES)
    assert len(three) == tweets["sentiment"].isin(THREE_CLASSES).sum()
    assert list(three.index) == list(range(len(three)))


def test_loads_a_users_csv_from_any_path(tmp_path):
    path = tmp_path / "mine.csv"
    pd.DataFrame({"tweet_id": [1, 2], "sentiment": ["worry", "fun"], "content": ["oh no", "yay"]}).to_csv(path)
    df = load_emotion_tweets(path)
    assert list(df["content"]) == ["oh no", "yay"]
    assert list(df.columns) == ["tweet_id", "sentiment", "content"]


def test_missing_file_names_the_path_and_how_to_get_it(tmp_path):
    missing = tmp_path / "tweet_emotions.csv"
    with pytest.raises(FileNotFoundError, match="Kaggle") as info:
        load_emotion_tweets(missing)
    assert str(missing) in str(info.value)


def test_missing_columns_are_listed(tmp_path):
    path = tmp_path / "bad.csv"
    pd.DataFrame({"tweet_id": [1], "text": ["hi"]}).to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"\['sentiment', 'content'\]"):
        load_emotion_tweets(path)


def test_unknown_label_is_reported():
    with pytest.raises(ValueError, match="joy"):
        load_emotion_tweets(labels=["joy"])


def test_split_dataframe_returns_train_val_test_in_order(tweets):
    train, val, test = split_dataframe(tweets, stratify="sentiment", seed=1)
    assert len(train) + len(val) + len(test) == len(tweets)
    assert len(train) > len(val) and abs(len(val) - len(test)) <= 1
    assert not (set(train.index) & set(val.index)) and not (set(val.index) & set(test.index))


def test_split_dataframe_is_stratified_and_deterministic(tweets):
    train, _, test = split_dataframe(tweets, stratify="sentiment")
    train_share = train["sentiment"].value_counts(normalize=True)
    test_share = test["sentiment"].value_counts(normalize=True)
    assert (train_share - test_share).abs().max() < 0.01
    again, _, _ = split_dataframe(tweets, stratify="sentiment")
    assert list(again.index) == list(train.index)


def test_split_ratios_tolerate_float_rounding_but_not_wrong_sums(tweets):
    split_dataframe(tweets, train=0.7, val=0.2, test=0.1)  # 0.7 + 0.2 + 0.1 != 1.0 exactly in floats
    with pytest.raises(ValueError, match="add up to 1"):
        split_dataframe(tweets, train=0.7, val=0.2, test=0.2)
    with pytest.raises(ValueError, match="between 0 and 1"):
        split_dataframe(tweets, train=1.0, val=0.0, test=0.0)


def test_symbol_sequences_follow_the_documented_rule():
    sequences, labels = make_symbol_sequences(500, min_len=5, max_len=30, seed=3)
    assert len(sequences) == len(labels) == 500
    for sequence, label in zip(sequences, labels, strict=True):
        assert 5 <= len(sequence) <= 30
        assert sequence.count(1) == 1 and sequence.count(2) == 1
        assert set(sequence) <= set(range(1, 7))
        assert label == int(sequence.index(1) < sequence.index(2))


def test_symbol_sequences_are_balanced_and_deterministic():
    sequences, labels = make_symbol_sequences(2000, seed=7)
    assert 0.45 < sum(labels) / len(labels) < 0.55
    assert make_symbol_sequences(2000, seed=7) == (sequences, labels)
    assert make_symbol_sequences(2000, seed=8) != (sequences, labels)


def test_symbol_counts_carry_no_information_about_the_label():
    from sklearn.linear_model import LogisticRegression

    sequences, labels = make_symbol_sequences(4000, seed=0)
    counts = [[sequence.count(s) / len(sequence) for s in range(1, 7)] + [len(sequence)] for sequence in sequences]
    model = LogisticRegression(max_iter=1000).fit(counts[:3000], labels[:3000])
    assert model.score(counts[3000:], labels[3000:]) < 0.56  # a bag of symbols stays near chance


@pytest.mark.parametrize("kwargs, message", [
    ({"n": -1}, "n must be >= 0"),
    ({"n": 5, "min_len": 1}, "min_len must be >= 2"),
    ({"n": 5, "min_len": 10, "max_len": 5}, "max_len must be >= min_len"),
])
def test_symbol_sequences_reject_bad_sizes(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_symbol_sequences(**kwargs)


def test_course_tweets_env_var_points_the_pathless_call_at_a_real_file(tmp_path, monkeypatch):
    from course_utils import using_bundled_tweets

    path = tmp_path / "real.csv"
    pd.DataFrame({"tweet_id": [7], "sentiment": ["worry"], "content": ["real tweet"]}).to_csv(path, index=False)
    monkeypatch.setenv("COURSE_TWEETS", str(path))
    assert not using_bundled_tweets()
    assert list(load_emotion_tweets()["content"]) == ["real tweet"]
    monkeypatch.setenv("COURSE_TWEETS", "")
    assert using_bundled_tweets()
    assert len(load_emotion_tweets()) > 1
    monkeypatch.delenv("COURSE_TWEETS")
    assert using_bundled_tweets()


def test_course_tweets_naming_a_missing_file_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_TWEETS", str(tmp_path / "nope.csv"))
    with pytest.raises(FileNotFoundError, match="nope.csv"):
        load_emotion_tweets()


# --- Hostile and real-world CSV files (review-reliability A, CS, RD, SP cases) ---

def write_csv(tmp_path, text: str, name: str = "tweets.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_a_home_relative_path_is_expanded(tmp_path, monkeypatch):  # A04
    monkeypatch.setenv("HOME", str(tmp_path))
    write_csv(tmp_path, "tweet_id,sentiment,content\n1,worry,oh no\n")
    assert list(load_emotion_tweets("~/tweets.csv")["content"]) == ["oh no"]


def test_an_empty_labels_list_is_an_error():  # A06
    with pytest.raises(ValueError, match="labels is empty"):
        load_emotion_tweets(bundled_path(), labels=[])


@pytest.mark.parametrize("text, encoding", [
    ("tweet_id,sentiment,content\n1,worry,café\n", "latin-1"),        # CS08
    ("tweet_id,sentiment,content\n1,worry,hi\n", "utf-16"),           # CS09
    ("tweet_id,sentiment,content\n1,worry,\u201chi\u201d\n", "cp1252"),  # CS10
])
def test_a_file_that_is_not_utf8_is_named_with_a_hint(tmp_path, text, encoding):
    path = write_csv(tmp_path, text, encoding=encoding)
    with pytest.raises(ValueError, match="is not UTF-8 text .*save it as UTF-8") as info:
        load_emotion_tweets(path)
    assert str(path) in str(info.value)


def test_numeric_looking_tweets_stay_text(tmp_path):  # CS14, CS16
    path = write_csv(tmp_path, "tweet_id,sentiment,content\n1,worry,1e5\n2,fun,007\n")
    df = load_emotion_tweets(path)
    assert list(df["content"]) == ["1e5", "007"]
    assert [tokenize(text) for text in df["content"]] == [["1e5"], ["007"]]


def test_rows_without_a_label_are_dropped_with_a_warning(tmp_path):  # CS19, RD06
    path = write_csv(tmp_path, "tweet_id,sentiment,content\n1,worry,oh no\n2,happiness,yay\n,,Hello there\n")
    with pytest.warns(UserWarning, match=r"dropped 1 row\(s\) without a sentiment label \(rows \[3\]\)"):
        df = load_emotion_tweets(path)
    assert list(df["sentiment"]) == ["worry", "happiness"]
    assert df["tweet_id"].dtype == "int64"  # the empty id no longer turns the ids into text


def test_labels_lose_stray_spaces_and_capitals(tmp_path):  # CS20
    path = write_csv(tmp_path, "tweet_id,sentiment,content\n1,worry,a\n2, worry,b\n3,Worry,c\n")
    assert len(load_emotion_tweets(path, labels=["worry"])) == 3


def test_empty_tweets_are_kept_with_a_warning(tmp_path):  # CS17, CS22
    path = write_csv(tmp_path, "tweet_id,sentiment,content\n1,worry,a\n2,fun\n")
    with pytest.warns(UserWarning, match=r"1 row\(s\) have no tweet text"):
        df = load_emotion_tweets(path)
    assert list(df["content"]) == ["a", ""]


def test_split_fractions_must_be_numbers(tweets):  # SP04
    with pytest.raises(TypeError, match="train must be a number between 0 and 1, got str '0.7'"):
        split_dataframe(tweets, train="0.7")


REAL_TWEETS = os.environ.get("COURSE_TWEETS", "")  # read before the fixture above hides it


@pytest.mark.skipif(not REAL_TWEETS, reason="set COURSE_TWEETS to Kaggle's tweet_emotions.csv to run this")
def test_kaggles_real_file_loads_cleanly():  # RD02, RD06 (the file itself is never part of the repository)
    with pytest.warns(UserWarning, match="without a sentiment label"):
        df = load_emotion_tweets(REAL_TWEETS)
    assert df["tweet_id"].dtype == "int64" and "" not in set(df["sentiment"])
    assert df["sentiment"].nunique() == 13


@pytest.mark.skipif(not REAL_TWEETS, reason="set COURSE_TWEETS to Kaggle's tweet_emotions.csv to run this")
def test_kaggles_entities_become_characters_and_hearts_survive():  # RD03, RD04, RD05
    with pytest.warns(UserWarning):
        tokens = [tokenize(text) for text in load_emotion_tweets(REAL_TWEETS)["content"]]
    counts = Counter(token for tweet in tokens for token in tweet)
    assert counts["quot"] == counts[";3"] == 0  # ("lt" and "gt" remain: real tweets write "i gt there")
    assert sum("<3" in tweet for tweet in tokens) > 250  # 298 tweets keep their heart
    assert counts["\ufffd"] > 0 and counts["¿"] == counts["½"] == 0
