"""Benchmarks of the course: are its performance lessons true, and does the course fit its time budget?

Run ``make bench`` (or ``python -m benchmarks``; ``--help`` lists the options). Five parts:

* ``padding``: one training epoch with every batch padded to 300 (the source lecture) vs dynamic padding,
  for ``LSTMClassifier`` and ``BagOfEmbeddingsClassifier``, with where the bag model's time goes;
* ``lstm``: the source lecture's LSTM style vs ``course_utils.ScratchLSTM`` vs ``nn.LSTM``;
* ``packing``: packed vs unpacked LSTM epochs, and what unpacked "last" pooling costs in accuracy;
* ``bucketing``: ``BucketBatchSampler`` vs dynamic padding alone: padding share, LSTM epoch time and
  validation accuracy, on the bundled tweets and on a real tweet file named by ``COURSE_REAL_TWEETS``;
* ``course``: the wall time of every notebook, each in a fresh kernel, against the class's budget.

Targets are ratios measured side by side in one run (the machines are shared and noisy); absolute
times are reported, never asserted in tests.
"""

from benchmarks.common import Config, Row
from benchmarks.runner import PARTS, main, run_benchmarks

__all__ = ["PARTS", "Config", "Row", "main", "run_benchmarks"]
