import pytest

from nlu.evaluate import classification_report, evaluate, expected_calibration_error


def test_accuracy_macro_f1_and_confusion_are_computed_per_class() -> None:
    report = classification_report(["a", "a", "b", "b"], ["a", "b", "b", "b"])
    assert report["accuracy"] == 0.75
    assert report["per_class"]["a"] == {
        "precision": 1.0,
        "recall": 0.5,
        "f1": pytest.approx(2 / 3),
        "support": 2,
    }
    assert report["per_class"]["b"]["precision"] == pytest.approx(2 / 3)
    assert report["macro_f1"] == pytest.approx((2 / 3 + 0.8) / 2)
    assert report["confusion"] == [[1, 1], [0, 2]]


def test_perfectly_calibrated_confidences_have_no_calibration_error() -> None:
    assert expected_calibration_error([1.0, 1.0, 0.5, 0.5], [True, True, True, False]) == 0.0


def test_urgent_recall_and_precision_are_reported() -> None:
    answers = {"gas": "urgent", "fire": "normal", "bill": "urgent", "tap": "normal"}

    def parse(text: str) -> dict:
        return {
            "urgency": {"name": answers[text], "confidence": 1.0},
            "domain": {"name": "x", "confidence": 1.0},
        }

    rows = [
        {"text": "gas", "urgency": "urgent", "domain": "x"},
        {"text": "fire", "urgency": "urgent", "domain": "x"},
        {"text": "bill", "urgency": "normal", "domain": "x"},
        {"text": "tap", "urgency": "normal"},
    ]
    report = evaluate(rows, parse)
    assert report["axes"]["urgency"]["urgent_recall"] == 0.5
    assert report["axes"]["urgency"]["urgent_precision"] == 0.5
    assert report["axes"]["domain"]["n"] == 3
    assert "kind" not in report["axes"]


def test_an_intent_label_is_scored_as_the_domain() -> None:
    report = evaluate(
        [{"text": "t", "intent": "cat1"}],
        lambda _t: {"intent": {"name": "cat1", "confidence": 0.9}},
    )
    assert report["axes"]["domain"]["accuracy"] == 1.0
