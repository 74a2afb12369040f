"""course_utils: the small support package of "PyTorch for NLP: from tensors to LSTMs".

Every name a notebook needs is importable from here directly, e.g.
``from course_utils import set_seed, get_device``. The modules follow the course's order:

    reproducibility -> data -> text -> batching -> models -> scratch_lstm -> training -> checkpoints -> plots
"""

from course_utils.batching import SequenceDataset, TextDataset, collate_batch, pad_or_truncate, padding_mask
from course_utils.checkpoints import load_checkpoint, save_checkpoint
from course_utils.data import load_emotion_tweets, make_symbol_sequences, split_dataframe, using_bundled_tweets
from course_utils.models import BagOfEmbeddingsClassifier, LSTMClassifier
from course_utils.plots import plot_confusion_matrix, plot_history
from course_utils.reproducibility import get_device, set_seed
from course_utils.scratch_lstm import ScratchLSTM, ScratchLSTMCell
from course_utils.text import Vocabulary, tokenize
from course_utils.training import EarlyStopping, History, evaluate, fit

__all__ = [
    "BagOfEmbeddingsClassifier",
    "EarlyStopping",
    "History",
    "LSTMClassifier",
    "ScratchLSTM",
    "ScratchLSTMCell",
    "SequenceDataset",
    "TextDataset",
    "Vocabulary",
    "collate_batch",
    "evaluate",
    "fit",
    "get_device",
    "load_checkpoint",
    "load_emotion_tweets",
    "make_symbol_sequences",
    "pad_or_truncate",
    "padding_mask",
    "plot_confusion_matrix",
    "plot_history",
    "save_checkpoint",
    "set_seed",
    "split_dataframe",
    "tokenize",
    "using_bundled_tweets",
]
