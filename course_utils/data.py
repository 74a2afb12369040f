"""Datasets of the course: the bundled emotion tweets, splitting, and toy symbol sequences.

* ``load_emotion_tweets`` reads tweets in the Kaggle "Emotion Detection from Text" layout
  (``tweet_id, sentiment, content``). With no path it loads the file named by the environment
  variable ``COURSE_TWEETS`` when that is set (real-data mode), else the synthetic tweets that
  ship with the course (see ``course_utils/datasets/generate_emotion_tweets.py``).
* ``using_bundled_tweets`` says which of the two a path-less call reads.
* ``split_dataframe`` makes train/validation/test splits.
* ``make_symbol_sequences`` makes a toy task where order matters (used in notebooks 06-07).
"""

from __future__ import annotations

import numbers
import os
import random
import warnings
from importlib import resources
from pathlib import Path

import pandas as pd
from sklearn.model_selection import train_test_split

#: The columns of Kaggle's ``tweet_emotions.csv``, and of the bundled file.
TWEET_COLUMNS = ("tweet_id", "sentiment", "content")

#: The three classes the course keeps.
THREE_CLASSES = ("neutral", "worry", "happiness")

BUNDLED_TWEETS_FILE = "emotion_tweets.csv"
BUNDLED_CONSTRUCTIONS_FILE = "emotion_tweets_constructions.csv"

#: The environment variable that points ``load_emotion_tweets()`` at a real tweet file.
TWEETS_ENV_VAR = "COURSE_TWEETS"


def bundled_path(filename: str = BUNDLED_TWEETS_FILE) -> Path:
    """Return the path of a data file shipped inside ``course_utils/datasets/``."""
    return Path(str(resources.files("course_utils") / "datasets" / filename))


def using_bundled_tweets() -> bool:
    """Return ``True`` when ``load_emotion_tweets()`` (no path) reads the bundled synthetic tweets.

    That is the case when the environment variable ``COURSE_TWEETS`` is unset or empty. When it
    names a file (e.g. Kaggle's ``tweet_emotions.csv``), this returns ``False``: notebook cells
    that rely on facts true only of the synthetic data check this and skip with a printed reason.
    """
    return not os.environ.get(TWEETS_ENV_VAR, "")


def load_emotion_tweets(path: str | Path | None = None, labels: list[str] | None = None) -> pd.DataFrame:
    """Load emotion-labelled tweets as a DataFrame with columns ``tweet_id, sentiment, content``.

    Args:
        path: a CSV in the Kaggle ``tweet_emotions.csv`` layout. ``None`` reads the file named
            by the environment variable ``COURSE_TWEETS`` when it is set and non-empty, else
            the synthetic tweets bundled with the course (no download needed).
        labels: keep only these classes, e.g. ``["neutral", "worry", "happiness"]``;
            the index is reset to 0..n-1. ``None`` keeps every class.

    What the loader tidies, and says so (a ``UserWarning``), so that a real file works as it is:

    * labels lose stray spaces and capitals (``" Worry"`` is ``"worry"``);
    * rows without a label are dropped, with a warning (the last line of Kaggle's file has
      neither an id nor a label); the ids then become numbers again;
    * every column is read as text where it should be: a tweet ``"007"`` stays ``"007"``;
    * rows with an empty tweet are kept, with a warning (an empty field, or a row with too few fields).

    Raises:
        FileNotFoundError: ``path`` (or ``COURSE_TWEETS``) names no file.
        ValueError: the file is not UTF-8 text, lacks one of the three columns, or ``labels``
            is empty or names a class that the file does not contain.
    """
    from_env = path is None and not using_bundled_tweets()
    if path is None:
        path = os.environ.get(TWEETS_ENV_VAR, "") or bundled_path()
    csv_path = Path(path).expanduser()
    if not csv_path.is_file():
        named_by = f" (named by the environment variable {TWEETS_ENV_VAR})" if from_env else ""
        raise FileNotFoundError(
            f"No tweet file at {csv_path}{named_by}. Download tweet_emotions.csv from Kaggle's "
            "'Emotion Detection from Text' dataset and pass its path, or call "
            "load_emotion_tweets() with no path to use the bundled synthetic tweets."
        )
    try:
        df = pd.read_csv(csv_path, keep_default_na=False, dtype={"sentiment": str, "content": str})
    except UnicodeDecodeError as error:
        raise ValueError(
            f"{csv_path} is not UTF-8 text (byte {error.start}: {error.reason}); save it as UTF-8, "
            "e.g. 'CSV UTF-8' in a spreadsheet program"
        ) from error
    missing = [column for column in TWEET_COLUMNS if column not in df.columns]
    if missing:
        raise ValueError(
            f"{csv_path} is missing the column(s) {missing}; expected the columns {list(TWEET_COLUMNS)}"
        )
    df = _tidy(df[list(TWEET_COLUMNS)], csv_path.name)
    if labels is not None:
        if isinstance(labels, str):
            raise TypeError(f"labels must be a list of class names, got the string {labels!r}")
        if len(labels) == 0:
            raise ValueError("labels is empty; name the classes to keep, e.g. list(THREE_CLASSES), or pass None")
        unknown = sorted(set(labels) - set(df["sentiment"]), key=str)
        if unknown:
            raise ValueError(f"labels {unknown} do not occur in {csv_path.name}; it has {sorted(set(df['sentiment']))}")
        df = df[df["sentiment"].isin(labels)].reset_index(drop=True)
    return df


def _tidy(df: pd.DataFrame, filename: str) -> pd.DataFrame:
    """Clean labels, drop unlabelled rows and warn about empty tweets (see ``load_emotion_tweets``)."""
    df = df.assign(sentiment=df["sentiment"].str.strip().str.lower())
    unlabelled = df["sentiment"] == ""
    if unlabelled.any():
        rows = [index + 1 for index in df.index[unlabelled][:5]]  # counted from 1, after the header
        message = f"{filename}: dropped {unlabelled.sum()} row(s) without a sentiment label (rows {rows})"
        warnings.warn(message, stacklevel=3)
        df = df[~unlabelled].reset_index(drop=True)
    try:  # an unlabelled row's empty id made the ids text; without it they are numbers again
        df = df.assign(tweet_id=pd.to_numeric(df["tweet_id"]))
    except (ValueError, TypeError):
        pass  # ids that are not numbers stay text
    empty = (df["content"].str.strip() == "").sum()
    if empty:
        warnings.warn(
            f"{filename}: {empty} row(s) have no tweet text (an empty field, or a row with too few fields)",
            stacklevel=3,
        )
    return df


def split_dataframe(
    df: pd.DataFrame,
    train: float = 0.7,
    val: float = 0.15,
    test: float = 0.15,
    stratify: str | None = None,
    seed: int = 42,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Split ``df`` into ``(train_df, val_df, test_df)``, in that order.

    Args:
        train, val, test: fractions of the rows; each in (0, 1) and summing to 1
            (checked with a small tolerance, since 0.7 + 0.15 + 0.15 != 1.0 exactly in floats).
        stratify: a column name (e.g. ``"sentiment"``) whose class proportions every split keeps.
        seed: the shuffle seed; the same seed gives the same splits.

    Each split keeps the original index, so rows can be traced back to ``df``.
    """
    fractions = {"train": train, "val": val, "test": test}
    for name, value in fractions.items():
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"{name} must be a number between 0 and 1, got {type(value).__name__} {value!r}")
        if not 0 < value < 1:
            raise ValueError(f"{name} must be a fraction between 0 and 1, got {value}")
    if abs(train + val + test - 1.0) > 1e-6:
        raise ValueError(f"train + val + test must add up to 1, got {train + val + test:.6f}")
    if stratify is not None and stratify not in df.columns:
        raise ValueError(f"stratify={stratify!r} is not a column; the columns are {list(df.columns)}")

    def labels_of(frame: pd.DataFrame):
        return frame[stratify] if stratify is not None else None

    train_df, rest_df = train_test_split(df, train_size=train, random_state=seed, stratify=labels_of(df))
    val_share = val / (val + test)
    val_df, test_df = train_test_split(rest_df, train_size=val_share, random_state=seed, stratify=labels_of(rest_df))
    return train_df, val_df, test_df


def make_symbol_sequences(
    n: int, min_len: int = 5, max_len: int = 30, seed: int = 0
) -> tuple[list[list[int]], list[int]]:
    """Make ``n`` toy sequences whose label depends on the ORDER of two marker symbols.

    Every sequence has a length between ``min_len`` and ``max_len`` and contains the symbol
    ``1`` exactly once and the symbol ``2`` exactly once, at random positions; every other
    position holds a filler symbol from 3..6. Symbol 0 is reserved for padding, so the
    vocabulary size is 7.

    The rule: ``label = 1`` when the ``1`` comes before the ``2``, else ``label = 0``.

    Both classes contain exactly the same symbols, so a model that only counts symbols
    (a bag of symbols) cannot beat chance (50%); a model must remember which marker it saw
    first, possibly many steps ago, which is what an LSTM can learn. Labels are drawn
    50/50, and the same ``seed`` always gives the same data.

    Returns:
        ``(sequences, labels)``: a list of ``n`` lists of ints, and a list of ``n`` labels (0 or 1).
    """
    for name, value in (("n", n), ("min_len", min_len), ("max_len", max_len)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if min_len < 2:
        raise ValueError(f"min_len must be >= 2 (room for both markers), got {min_len}")
    if max_len < min_len:
        raise ValueError(f"max_len must be >= min_len, got max_len={max_len} < min_len={min_len}")

    rng = random.Random(seed)
    sequences, labels = [], []
    for _ in range(n):
        length = rng.randint(min_len, max_len)
        sequence = [rng.randint(3, 6) for _ in range(length)]
        first, second = sorted(rng.sample(range(length), 2))
        label = rng.randint(0, 1)
        sequence[first], sequence[second] = (1, 2) if label == 1 else (2, 1)
        sequences.append(sequence)
        labels.append(label)
    return sequences, labels
