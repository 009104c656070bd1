from pathlib import Path

import pytest

from nlu.errors import TrainingDataError
from nlu.rasa_yaml import EntitySpan, Example, dump_examples, load_examples, parse_annotated

PROJECT_ROOT = Path(__file__).resolve().parents[3]


def test_annotations_are_stripped_and_spans_point_at_the_plain_text() -> None:
    text, spans = parse_annotated("[幸福里小区](location)12栋停水，电话[13800001234](phone_number)")
    assert text == "幸福里小区12栋停水，电话13800001234"
    assert [(s.entity, text[s.start : s.end]) for s in spans] == [
        ("location", "幸福里小区"),
        ("phone_number", "13800001234"),
    ]


def test_json_annotations_keep_their_value_and_role() -> None:
    text, spans = parse_annotated(
        '住在[幸福里]{"entity": "location", "role": "community", "value": "幸福里小区"}'
    )
    assert text == "住在幸福里"
    assert spans == (EntitySpan("location", 2, 5, "幸福里小区", "community"),)


def test_square_brackets_without_markup_stay_as_text() -> None:
    assert parse_annotated("编号[12]已受理")[0] == "编号[12]已受理"


def test_examples_survive_a_round_trip_through_rasa_yaml(tmp_path: Path) -> None:
    examples = [
        Example("幸福里小区停水了", "utilities", (EntitySpan("location", 0, 5, "幸福里小区"),)),
        Example("82岁老人摔倒", "elderly_care", (EntitySpan("age", 0, 3, "82岁"),)),
        Example("地铁几点收班", "transport"),
    ]
    path = tmp_path / "nlu.yml"
    path.write_text(dump_examples(examples, "a comment header"), encoding="utf-8")
    assert load_examples(path) == examples
    assert path.read_text(encoding="utf-8").startswith('# a comment header\nversion: "3.1"\nnlu:\n')


def test_synonyms_and_regexes_in_a_rasa_file_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "nlu.yml"
    path.write_text(
        'version: "3.1"\nnlu:\n- synonym: 燃气\n  examples: |\n    - 煤气\n'
        "- intent: greet\n  examples: |\n    - 你好\n    - hello\n",
        encoding="utf-8",
    )
    assert [(e.text, e.intent) for e in load_examples(path)] == [
        ("你好", "greet"),
        ("hello", "greet"),
    ]


def test_a_file_that_is_not_rasa_nlu_data_is_refused_with_its_name(tmp_path: Path) -> None:
    path = tmp_path / "stories.yml"
    path.write_text('version: "3.1"\nstories: []\n', encoding="utf-8")
    with pytest.raises(TrainingDataError, match=r"stories\.yml"):
        load_examples(path)


@pytest.mark.parametrize("axis", ["domain", "urgency", "kind"])
def test_shipped_training_files_are_valid_rasa_nlu_data(axis: str) -> None:
    examples = load_examples(PROJECT_ROOT / "nlu" / "data" / f"{axis}.yml")
    assert len(examples) > 100
    for ex in examples:
        for span in ex.entities:
            assert 0 <= span.start < span.end <= len(ex.text)
