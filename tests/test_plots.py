import matplotlib.pyplot as plt
import pytest

from course_utils import History, plot_confusion_matrix, plot_history


def test_plot_history_draws_both_curves_and_marks_the_best_epoch():
    history = History(train_loss=[1.0, 0.6, 0.4], val_loss=[0.9, 0.7, 0.8], val_accuracy=[0.5, 0.6, 0.55],
                      best_epoch=2, stopped_epoch=3)
    ax = plot_history(history)
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["train loss", "validation loss", "best epoch (2)"]
    assert list(ax.get_lines()[1].get_ydata()) == [0.9, 0.7, 0.8]
    assert ax.get_xlabel() == "epoch" and ax.get_title()
    plt.close("all")


def test_plot_history_rejects_other_objects():
    with pytest.raises(TypeError, match="History"):
        plot_history({"train_loss": [1.0]})


def test_plot_confusion_matrix_counts_and_labels():
    ax = plot_confusion_matrix([0, 0, 1, 2, 2], [0, 1, 1, 2, 0], ["neutral", "worry", "happiness"])
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["1", "1", "0", "0", "1", "0", "1", "0", "1"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["neutral", "worry", "happiness"]
    plt.close("all")


def test_plot_confusion_matrix_refuses_classes_without_a_name():  # PL04: they used to vanish silently
    with pytest.raises(ValueError, match=r"classes \[5\], but labels names 3 classes \(ids 0\.\.2\)"):
        plot_confusion_matrix([0, 1, 2, 5, 5, 5], [0, 1, 2, 5, 5, 5], ["a", "b", "c"])
    plt.close("all")
