"""Generate the course's SYNTHETIC tweet emotion dataset (``emotion_tweets.csv``).

Read this first: these tweets were not written by people. The course cannot download the
Kaggle "Emotion Detection from Text" dataset (``tweet_emotions.csv``), so it ships this
imitation instead, with the same columns (``tweet_id,sentiment,content``) and the same 13
labels. Every tweet was assembled by this script from templates and word lists, with a fixed
random seed, so the file is identical on every machine and can be rebuilt at any time.

How a tweet is built
--------------------
The three labels the course keeps (``neutral``, ``worry``, ``happiness``) have emotion
phrases such as "nervous", "so happy" or "at work". A tweet places one or two of them into
clause slots whose other words never depend on the label ("was ... earlier",
"i'm ... now"), then a *construction* decides the label:

* ``plain``       "i'm so worried. exam tomorrow"                -> worry
  (a tweet without any emotion phrase, such as "heading to work", is neutral)
* ``contrast``    "was nervous earlier but now i'm so happy"     -> happiness (the "now" clause wins)
* ``concession``  "i'm so happy now even though i was nervous"   -> happiness (the "now" clause wins)
* ``negation``    "not nervous at all, i'm at work now"          -> neutral: the phrase right after
  "not" does not count, the label comes from the other phrase, or is neutral if there is none
  ("i'm not nervous at all" -> neutral)
* ``mixed``       "half nervous half happy"                      -> either label (a coin flip)
* ``short``       "ugh", "yay!!"                                 -> the word's label
* ``noisy_label`` a tweet built for one label but given another one (about 6% of all rows)
* ``other_label`` the other ten labels (sadness, love, ...): one or two phrases of their own plus the
  shared filler; the course drops them.

On top of that come Twitter habits: @mentions, fake short links (http://bit.ly/...),
#hashtags, a few emoticons that match the label, elongations ("soooo"), typos, random
capitals, runs of punctuation and a few long, rambling tweets.

Why it is built this way
------------------------
"was nervous earlier but now i'm happy" and "was happy earlier but now i'm nervous" contain
exactly the same words, yet have different labels. A model that only counts words (a
bag-of-words or bag-of-embeddings model) cannot tell them apart; a model that reads the words
in order (an LSTM) can. Plain tweets are easy for both. So the dataset shows, with numbers,
why word order matters. The sidecar file ``emotion_tweets_constructions.csv``
(``tweet_id,construction``) says which construction made each tweet, so a notebook can report
accuracy per construction.

Regenerate the files (seed ``DEFAULT_SEED``; standard library only, so the output never depends on library versions)::

    python -m course_utils.datasets.generate_emotion_tweets              # next to this script
    python course_utils/datasets/generate_emotion_tweets.py --out /tmp   # somewhere else
"""

from __future__ import annotations

import argparse
import csv
import random
import string
from collections.abc import Callable
from pathlib import Path

DEFAULT_N = 20_000
DEFAULT_SEED = 1956
FIRST_TWEET_ID = 1_956_967_341
CSV_NAME = "emotion_tweets.csv"
CONSTRUCTIONS_CSV_NAME = "emotion_tweets_constructions.csv"

#: Rows per label for n = 20,000 (scaled for other n). Neutral, worry and happiness are the largest.
LABEL_COUNTS: dict[str, int] = {
    "neutral": 4300,
    "worry": 4000,
    "happiness": 3600,
    "sadness": 2300,
    "love": 1700,
    "surprise": 1000,
    "fun": 850,
    "relief": 700,
    "hate": 600,
    "empty": 400,
    "enthusiasm": 350,
    "boredom": 120,
    "anger": 80,
}
CORE_LABELS = ("neutral", "worry", "happiness")
NOISE_RATE = 0.06

#: Share of each construction among the (non-noisy) tweets of the three core labels.
CONSTRUCTION_WEIGHTS: dict[str, float] = {
    "plain": 0.50,
    "contrast": 0.15,
    "concession": 0.12,
    "negation": 0.15,
    "mixed": 0.05,
    "short": 0.03,
}
#: Constructions with two clauses get a context clause less often, which keeps tweets short.
TWO_CLAUSE = ("contrast", "concession", "negation", "mixed")

# --- Word lists for the three core labels: every list is used in every slot. ----------------------
EMOTION_PHRASES: dict[str, list[str]] = {
    "worry": [
        "worried", "nervous", "anxious", "stressed", "scared", "freaking out", "so worried",
        "really nervous", "panicking", "on edge", "terrified", "a nervous wreck",
    ],
    "happiness": [
        "happy", "so happy", "glad", "in a great mood", "really happy", "smiling", "thrilled",
        "on cloud nine", "super happy", "grinning", "in such a good mood", "cheerful",
    ],
    "neutral": [
        "fine", "ok", "alright", "at work", "home", "busy", "on the bus", "at school", "in class",
        "just chilling", "watching tv", "in the kitchen",
    ],
}
#: Neutral phrases that read naturally after "not" ("not at work today").
NEGATABLE_NEUTRAL = ["at work", "home", "busy", "on the bus", "at school", "in class", "in the kitchen"]

PAST_SLOTS = [
    "was {e} earlier", "was {e} this morning", "i was {e} last night", "was {e} all morning",
    "i was {e} an hour ago", "was {e} yesterday",
]
PRESENT_SLOTS = [
    "i'm {e} now", "now i'm {e}", "im {e} right now", "i'm {e} at the moment", "i am {e} now", "now im {e}",
]
PLAIN_SLOTS = ["i'm {e}", "{e} today", "still {e}", "been {e} all day", "im {e} tbh", "{e}"]
CONTRAST_LINKS = [" but", " but", " but honestly", "... but", ", but", " ... but"]
CONCESSION_LINKS = ["even though", "even though", "although", "even tho"]
NEGATION_SINGLE = ["i'm not {a} at all", "not {a} at all", "honestly not {a}", "i'm not {a} today"]
NEGATION_DOUBLE = ["not {a} at all, {b}", "{b}, not {a} at all", "{b} and not {a} at all", "not {a} today, {b}"]
MIXED = [
    "{a} and {b} at the same time", "idk if i'm {a} or {b}", "half {a} half {b}", "{a} but also {b}",
]
SHORT: dict[str, list[str]] = {
    "worry": ["ugh", "eek", "nervous", "worried", "scared", "ugh.."],
    "happiness": ["yay", "woohoo", "happy", "yay!!", "yaaay", "happy happy"],
    "neutral": ["ok", "hmm", "morning", "lunch", "home", "work"],
}
NEUTRAL_ACTIVITIES = [
    "just got home from work", "heading to work", "watching the game with my dad", "going to bed",
    "eating lunch", "anyone know what time the store closes?", "did you see the new episode?",
    "waiting for the bus", "doing laundry", "cleaning my room", "at the library", "making dinner",
    "just woke up", "on my way to class", "reading a book", "charging my phone",
]
EMOTICONS: dict[str, list[str]] = {
    "worry": [":(", ":/", ":-(", "D:"],
    "happiness": [":)", ":D", ":-)", "=)"],
    "neutral": [":P", ";)"],
}

# --- The other ten labels: one phrase per tweet (sometimes two). ---------------------------------
OTHER_PHRASES: dict[str, list[str]] = {
    "sadness": ["i'm so sad", "miss you guys", "feel like crying", "crying rn", "heartbroken", "sad day",
                "missing home", "i miss him", "so depressed", "feeling down"],
    "love": ["love you", "love this song", "<3", "luv u", "love my mom", "in love with this",
             "i love my friends", "love you all"],
    "surprise": ["omg no way", "wow", "can't believe it", "didn't see that coming", "whoa", "what?!",
                 "no wayyy", "seriously?!"],
    "fun": ["lol", "haha", "so much fun", "hahaha", "funny", "cracking up", "best night ever lol"],
    "relief": ["so relieved", "phew", "finally done", "thank god", "relieved", "finally over"],
    "hate": ["i hate this", "hate mondays", "can't stand it", "worst day", "hate my job", "i hate it"],
    "empty": ["meh", "nothing", "whatever", "blah", "empty", "nothing really"],
    "enthusiasm": ["can't wait", "so pumped", "excited", "let's go", "bring it on", "so excited"],
    "boredom": ["bored", "so bored", "nothing to do", "boring", "yawn", "sooo bored"],
    "anger": ["so mad", "pissed off", "angry", "furious", "wtf", "so annoyed"],
}

# --- Shared filler: the same for every label. ------------------------------------------------------
CONTEXTS = [
    "exam tomorrow", "work at 8", "mom called", "the game is on", "flight at 6am", "new phone came today",
    "meeting at 9", "my sister is visiting", "rain all day", "first day at the new job", "dentist later",
    "results come out friday", "job interview on monday", "moving next week", "finals week",
    "the concert is tonight", "my car is in the shop", "school tomorrow", "payday friday",
    "test results back today", "long day", "need coffee", "can't sleep", "so much to do",
]
#: A few tweets (about 0.3%) ramble on with two of these, for a realistic long tail of lengths.
RAMBLES = [
    "the bus was late again so i had to walk in the rain",
    "my roommate left the door open and the cat got out",
    "spent all afternoon on the phone about my internet bill",
    "went out for milk and came back with everything except milk",
    "the neighbours have been drilling since seven this morning",
    "my laptop decided to update in the middle of my presentation",
    "drove two hours to the beach and then it started raining",
    "found my old notebooks and read them instead of packing",
]
RAMBLE_RATE = 0.003
OPENERS = ["honestly", "tbh", "ok so", "well", "man", "so yeah", "today", "omg"]
HASHTAGS = ["#fb", "#monday", "#exams", "#work", "#life", "#random", "#followfriday", "#nowplaying",
            "#weekend", "#coffee", "#squarespace", "#tweetdeck"]
ENDINGS = ["", "", "", ".", ".", "!", "!!", "!!!", "...", "..", "?!", " lol", " haha"]
NAME_PARTS = ["jen", "mike", "sarah", "tom", "katie", "alex", "chris", "emma", "josh", "lily", "dan",
              "amy", "nick", "meg", "ben", "zoe", "sam", "kim", "matt", "becca"]
LINK_HOSTS = ["http://bit.ly/", "http://bit.ly/", "http://twitpic.com/", "http://tinyurl.com/"]


def scaled_counts(n: int) -> dict[str, int]:
    """Rows per label for ``n`` tweets, in the proportions of :data:`LABEL_COUNTS`."""
    total = sum(LABEL_COUNTS.values())
    counts = {label: round(count * n / total) for label, count in LABEL_COUNTS.items()}
    counts["neutral"] += n - sum(counts.values())  # rounding leftovers go to the largest class
    return counts


class TweetFactory:
    """Builds one tweet at a time from a seeded :class:`random.Random`."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.mentions = [self._make_name() for _ in range(400)]
        self.core_builders: dict[str, Callable[[str], str]] = {
            "plain": self.plain,
            "contrast": self.contrast,
            "concession": self.concession,
            "negation": self.negation,
            "mixed": self.mixed,
            "short": self.short,
        }

    # ----- helpers ---------------------------------------------------------------------------
    def _make_name(self) -> str:
        name = self.rng.choice(NAME_PARTS)
        style = self.rng.random()
        if style < 0.4:
            name += str(self.rng.randint(1, 999))
        elif style < 0.7:
            name += "_" + self.rng.choice(string.ascii_lowercase)
        elif style < 0.85:
            name += self.rng.choice(NAME_PARTS)
        return "@" + name

    def _other_core(self, label: str) -> str:
        return self.rng.choice([other for other in CORE_LABELS if other != label])

    def _phrase(self, label: str) -> str:
        return self.rng.choice(EMOTION_PHRASES[label])

    def _past(self, label: str) -> str:
        return self.rng.choice(PAST_SLOTS).format(e=self._phrase(label))

    def _present(self, label: str) -> str:
        return self.rng.choice(PRESENT_SLOTS).format(e=self._phrase(label))

    # ----- constructions for the three core labels ---------------------------------------------
    def plain(self, label: str) -> str:
        if label == "neutral" and self.rng.random() < 0.4:
            return self.rng.choice(NEUTRAL_ACTIVITIES)
        if self.rng.random() < 0.4:
            return self._present(label)
        return self.rng.choice(PLAIN_SLOTS).format(e=self._phrase(label))

    def contrast(self, label: str) -> str:
        """'was A earlier but now i'm B' -> label of B."""
        return f"{self._past(self._other_core(label))}{self.rng.choice(CONTRAST_LINKS)} {self._present(label)}"

    def concession(self, label: str) -> str:
        """'i'm B now even though i was A earlier' -> label of B."""
        return f"{self._present(label)} {self.rng.choice(CONCESSION_LINKS)} {self._past(self._other_core(label))}"

    def negation(self, label: str) -> str:
        """A phrase right after 'not' does not count: the label is the other phrase, or neutral if none."""
        if label == "neutral" and self.rng.random() < 0.5:
            negated = self._phrase(self.rng.choice(["worry", "happiness"]))
            return self.rng.choice(NEGATION_SINGLE).format(a=negated)
        if label == "neutral":
            negated = self._phrase(self.rng.choice(["worry", "happiness"]))
        else:
            other = self._other_core(label)
            negated = self.rng.choice(NEGATABLE_NEUTRAL) if other == "neutral" else self._phrase(other)
        return self.rng.choice(NEGATION_DOUBLE).format(a=negated, b=self._present(label))

    def mixed(self, label: str) -> str:
        """Two labels' phrases with nothing to choose between them: the label is a coin flip."""
        first, second = self._phrase(label), self._phrase(self._other_core(label))
        if self.rng.random() < 0.5:
            first, second = second, first
        return self.rng.choice(MIXED).format(a=first, b=second)

    def short(self, label: str) -> str:
        return self.rng.choice(SHORT[label])

    # ----- the other ten labels ---------------------------------------------------------------
    def other(self, label: str) -> str:
        text = self.rng.choice(OTHER_PHRASES[label])
        if self.rng.random() < 0.4:
            text += self.rng.choice([", ", " ", ". "]) + self.rng.choice(OTHER_PHRASES[label])
        return text

    # ----- Twitter surface -----------------------------------------------------------------------
    def _noisy_word(self, word: str) -> str:
        rng = self.rng
        if word.isalpha() and (rng.random() < 0.04 or (word == "so" and rng.random() < 0.25)):
            return word + word[-1] * rng.randint(2, 5)  # elongation: "so" -> "soooo"
        if word.isalpha() and len(word) >= 4 and rng.random() < 0.015:
            i = rng.randrange(len(word) - 1)
            kind = rng.random()
            if kind < 0.4:  # swap two neighbouring letters
                return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
            if kind < 0.7:  # drop a letter
                return word[:i] + word[i + 1 :]
            return word[: i + 1] + word[i] + word[i + 1 :]  # double a letter
        if rng.random() < 0.02:
            return word.upper()
        return word

    def _link(self) -> str:
        alphabet = string.ascii_letters + string.digits
        return self.rng.choice(LINK_HOSTS) + "".join(self.rng.choice(alphabet) for _ in range(self.rng.randint(4, 6)))

    def decorate(self, core: str, emoticon_label: str | None, short: bool = False, context_p: float = 0.55) -> str:
        """Wrap a core sentence in shared filler, noise and Twitter habits."""
        rng = self.rng
        text = core
        if not short:
            if rng.random() < context_p:
                context = rng.choice(CONTEXTS)
                if rng.random() < 0.15:
                    context += rng.choice([", ", ". "]) + rng.choice(CONTEXTS)
                if rng.random() < 0.7:
                    text = text + rng.choice([". ", ", ", " - ", "... ", "! "]) + context
                else:
                    text = context + rng.choice([", ", ". ", "... "]) + text
            if rng.random() < 0.35:
                text = rng.choice(OPENERS) + rng.choice([" ", ", "]) + text
        if not short and rng.random() < RAMBLE_RATE:
            text += ". " + rng.choice(RAMBLES) + ", " + rng.choice(RAMBLES)
        text = " ".join(self._noisy_word(word) for word in text.split(" "))
        if not short:
            text += rng.choice(ENDINGS)
        casing = rng.random()
        if casing < 0.12:
            text = text[0].upper() + text[1:]
            text = text.replace(" i ", " I ").replace(" i'm ", " I'm ").replace(" im ", " Im ")
        elif casing < 0.15:
            text = text.upper()
        if emoticon_label is not None and emoticon_label in EMOTICONS and rng.random() < 0.06:
            text += " " + rng.choice(EMOTICONS[emoticon_label])
        if rng.random() < 0.22:
            text = rng.choice(self.mentions) + " " + text
        elif rng.random() < 0.04:
            text = text + " " + rng.choice(self.mentions)
        if not short and rng.random() < 0.1:
            text += " " + rng.choice(HASHTAGS)
        if not short and rng.random() < 0.04:
            text += " " + self._link()
        return text

    # ----- one row ------------------------------------------------------------------------------
    def build(self, label: str) -> tuple[str, str]:
        """Return (content, construction) for a tweet that is *correctly* labelled ``label``."""
        if label not in CORE_LABELS:
            return self.decorate(self.other(label), emoticon_label=None, context_p=0.85), "other_label"
        names = list(CONSTRUCTION_WEIGHTS)
        construction = self.rng.choices(names, weights=[CONSTRUCTION_WEIGHTS[c] for c in names])[0]
        core = self.core_builders[construction](label)
        context_p = 0.4 if construction in TWO_CLAUSE else 0.75
        return self.decorate(core, label, short=construction == "short", context_p=context_p), construction


def generate(n: int = DEFAULT_N, seed: int = DEFAULT_SEED) -> list[dict[str, str | int]]:
    """Generate ``n`` synthetic tweets.

    Returns a list of rows (dicts with ``tweet_id``, ``sentiment``, ``content`` and
    ``construction``) in a shuffled order, with increasing tweet ids. The same ``n`` and
    ``seed`` always give the same rows.
    """
    rng = random.Random(seed)
    factory = TweetFactory(rng)
    all_labels = list(LABEL_COUNTS)
    rows: list[dict[str, str | int]] = []
    for label, count in scaled_counts(n).items():
        for _ in range(count):
            if rng.random() < NOISE_RATE:
                # A tweet made for a different label, but labelled `label`: the noise real data has.
                pool = CORE_LABELS if label in CORE_LABELS else all_labels
                source = rng.choice([other for other in pool if other != label])
                content, _ = factory.build(source)
                construction = "noisy_label"
            else:
                content, construction = factory.build(label)
            rows.append({"sentiment": label, "content": content, "construction": construction})
    rng.shuffle(rows)
    tweet_id = FIRST_TWEET_ID
    for row in rows:
        row["tweet_id"] = tweet_id
        tweet_id += rng.randint(1, 60)
    return [{key: row[key] for key in ("tweet_id", "sentiment", "content", "construction")} for row in rows]


def write_csvs(rows: list[dict[str, str | int]], out_dir: Path) -> tuple[Path, Path]:
    """Write ``emotion_tweets.csv`` and ``emotion_tweets_constructions.csv`` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    data_path, constructions_path = out_dir / CSV_NAME, out_dir / CONSTRUCTIONS_CSV_NAME
    with data_path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["tweet_id", "sentiment", "content"])
        writer.writerows([row["tweet_id"], row["sentiment"], row["content"]] for row in rows)
    with constructions_path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["tweet_id", "construction"])
        writer.writerows([row["tweet_id"], row["construction"]] for row in rows)
    return data_path, constructions_path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Generate the course's synthetic tweet emotion dataset.")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent, help="output folder")
    parser.add_argument("--n", type=int, default=DEFAULT_N, help="number of tweets (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default: %(default)s)")
    args = parser.parse_args(argv)
    rows = generate(n=args.n, seed=args.seed)
    for path in write_csvs(rows, args.out):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
