import numpy as np

from nlu.calibration import URGENT_RECALL_TARGET, choose_urgent_threshold

LABELS = ("urgent", "high", "normal")


def _scores(p_urgent: list[float]) -> np.ndarray:
    """Log-probability scores whose softmax (temperature 1) gives these P(urgent) values."""
    rows = []
    for p in p_urgent:
        rest = (1.0 - p) / 2
        rows.append(np.log([p, rest, rest]))
    return np.array(rows)


def _choose(urgent_probs: list[float], calm_probs: list[float]) -> float:
    oof = _scores(urgent_probs + calm_probs)
    y = np.array([0] * len(urgent_probs) + [2] * len(calm_probs))
    return choose_urgent_threshold(oof, y, LABELS, 1.0, ["普通留言"] * len(y))


def test_the_cut_off_is_the_highest_that_still_catches_the_target_share_of_emergencies() -> None:
    urgent_probs = [0.42 + 0.005 * i for i in range(39)] + [
        0.2
    ]  # one emergency in forty the model barely sees
    calm_probs = [0.3, 0.25, 0.2, 0.15, 0.1] * 4
    cut = _choose(urgent_probs, calm_probs)
    caught = sum(p >= cut for p in urgent_probs) / len(urgent_probs)
    assert caught >= URGENT_RECALL_TARGET
    assert cut > 0.3  # no calm message is raised
    higher = sum(p >= cut + 0.025 for p in urgent_probs) / len(urgent_probs)
    assert higher < URGENT_RECALL_TARGET  # and no higher cut-off would do


def test_recall_wins_over_precision_when_the_target_needs_it() -> None:
    urgent_probs = [0.9, 0.8, 0.7, 0.6, 0.25]
    calm_probs = [0.3, 0.1, 0.1, 0.1]
    cut = _choose(urgent_probs, calm_probs)
    assert cut <= 0.25  # every emergency is caught, at the price of one false alarm


def test_a_message_a_safety_rule_catches_does_not_pull_the_cut_off_down() -> None:
    urgent_probs = [0.9, 0.8, 0.7, 0.6, 0.55, 0.12]
    calm_probs = [0.3, 0.25, 0.2, 0.15]
    oof = _scores(urgent_probs + calm_probs)
    y = np.array([0] * len(urgent_probs) + [2] * len(calm_probs))
    texts = ["普通留言"] * len(y)
    texts[5] = "楼道里一股很浓的煤气味"  # the rule already catches the one the model misses
    cut = choose_urgent_threshold(oof, y, LABELS, 1.0, texts)
    assert cut > 0.3
