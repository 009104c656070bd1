from nlu.normalize import normalize


def test_traditional_characters_become_simplified() -> None:
    assert normalize("樓道裏有煤氣味").text == "楼道里有煤气味"


def test_full_width_letters_digits_and_spaces_become_half_width() -> None:
    assert normalize("ＡＢＣ　１２３").text == "ABC 123"


def test_whitespace_runs_collapse_and_ends_are_trimmed() -> None:
    assert normalize("  停水 \t\n 两天  ").text == "停水 两天"


def test_control_and_zero_width_characters_are_removed() -> None:
    assert normalize("停\u200b水\x07了\ufeff\u202e").text == "停水了"


def test_emoji_survive_including_joined_sequences() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert normalize(f"谢谢{family}👍").text == f"谢谢{family}👍"


def test_a_stray_joiner_between_letters_is_removed() -> None:
    assert normalize("停\u200d水").text == "停水"


def test_spans_in_normalised_text_map_back_to_the_original_message() -> None:
    original = "\u200b\u200b幸福里  小区\u200b12栋"
    norm = normalize(original)
    start = norm.text.index("12栋")
    s, e = norm.span_in_original(start, start + 3)
    assert original[s:e] == "12栋"


def test_unchanged_length_text_keeps_identical_offsets() -> None:
    norm = normalize("幸福里小区")
    assert norm.span_in_original(0, 3) == (0, 3)
