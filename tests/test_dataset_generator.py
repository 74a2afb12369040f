"""The shipped tweets are exactly what the generator script produces."""

import filecmp
import re

import pandas as pd

from course_utils.data import BUNDLED_CONSTRUCTIONS_FILE, BUNDLED_TWEETS_FILE, bundled_path
from course_utils.datasets import generate_emotion_tweets


def test_regenerating_gives_the_shipped_files_byte_for_byte(tmp_path):
    generate_emotion_tweets.main(["--out", str(tmp_path)])
    for name in (BUNDLED_TWEETS_FILE, BUNDLED_CONSTRUCTIONS_FILE):
        assert filecmp.cmp(tmp_path / name, bundled_path(name), shallow=False), f"{name} differs from the generator"


def test_every_tweet_has_a_construction():
    tweets = pd.read_csv(bundled_path(BUNDLED_TWEETS_FILE))
    constructions = pd.read_csv(bundled_path(BUNDLED_CONSTRUCTIONS_FILE))
    assert list(constructions.columns) == ["tweet_id", "construction"]
    assert list(constructions["tweet_id"]) == list(tweets["tweet_id"])


def test_tweets_look_like_twitter():
    content = pd.read_csv(bundled_path(BUNDLED_TWEETS_FILE), keep_default_na=False)["content"]
    for pattern in [r"@\w+", r"https?://", r"#\w+", r"[:;]-?[()DP]", r"(\w)\1\1", r"!!+|\.\.\."]:
        share = content.map(lambda text, p=pattern: re.search(p, text) is not None).mean()
        assert share > 0.01, f"fewer than 1% of tweets match {pattern!r}"
    lengths = content.str.split().str.len()
    assert lengths.min() == 1 and lengths.max() >= 35
