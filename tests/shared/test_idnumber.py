from datetime import date, datetime

import pytest

from shared.domain.clock import SHANGHAI, clock
from shared.domain.idnumber import (
    IdNumberInfo,
    InvalidIdNumber,
    age_on,
    mask_id_number,
    parse_id_number,
)
from tests.factories.id_numbers import (
    check_character,
    valid_id_number,
    with_check_character,
    with_wrong_check_character,
)

BIRTH = date(1988, 6, 30)


def test_helper_matches_a_hand_computed_check_character():
    # 1*7 + 1*9 + 0*10 + 1*5 + 0*8 + 2*4 + 1*2 + 9*1 + 4*6 + 9*3 + 0*7 + 1*9 + 0*10 + 1*5
    # + 0*8 + 0*4 + 1*2 = 107; 107 mod 11 = 8, which maps to 4.
    assert check_character("11010219490101001") == "4"


def test_parses_a_valid_number():
    number = valid_id_number(BIRTH, "female", serial=7)

    info = parse_id_number(number)

    assert info == IdNumberInfo(
        number=number, region_code="500151", birth_date=BIRTH, sex="female"
    )


@pytest.mark.parametrize("sex", ["male", "female"])
def test_sex_follows_the_parity_of_the_17th_digit(sex):
    assert parse_id_number(valid_id_number(BIRTH, sex)).sex == sex


def test_lowercase_x_and_spaces_are_normalised():
    number = valid_id_number(BIRTH, "female", serial=0)
    assert number.endswith("X")  # guards the premise of this test
    typed = f" {number[:6]} {number[6:14]} {number[14:-1]}x "

    assert parse_id_number(typed).number == number


@pytest.mark.parametrize("value", ["50015119880630002", "5001511988063000212"])
def test_rejects_a_number_that_is_not_18_characters(value):
    with pytest.raises(InvalidIdNumber, match="must be 18 characters"):
        parse_id_number(value)


@pytest.mark.parametrize(
    "value", ["50015119880630A02X", "500151198806300X21", "50015119880630002Y"]
)
def test_rejects_a_number_in_the_wrong_format(value):
    with pytest.raises(InvalidIdNumber, match="17 digits followed by a digit or X"):
        parse_id_number(value)


@pytest.mark.parametrize("birth", ["19880230", "19881301", "19880000"])
def test_rejects_an_impossible_birth_date(birth):
    number = with_check_character(f"500151{birth}003")

    with pytest.raises(InvalidIdNumber, match="birth date .* is not a valid date"):
        parse_id_number(number)


def test_rejects_a_birth_date_after_today():
    number = valid_id_number(date(2024, 9, 2))

    with pytest.raises(InvalidIdNumber, match="birth date is in the future"):
        parse_id_number(number, today=date(2024, 9, 1))
    assert parse_id_number(number, today=date(2024, 9, 2)).birth_date == date(2024, 9, 2)


def test_today_defaults_to_the_service_clock_in_china():
    number = valid_id_number(date(2024, 9, 2))

    # 16:30 UTC on 1 September is already 2 September in China.
    with clock.frozen(datetime(2024, 9, 2, 0, 30, tzinfo=SHANGHAI)):
        assert parse_id_number(number).birth_date == date(2024, 9, 2)
    with clock.frozen(datetime(2024, 9, 1, 23, 30, tzinfo=SHANGHAI)):
        with pytest.raises(InvalidIdNumber, match="in the future"):
            parse_id_number(number)


def test_rejects_a_wrong_check_character_and_names_the_expected_one():
    number = valid_id_number(BIRTH, serial=12)
    wrong = with_wrong_check_character(number)

    with pytest.raises(InvalidIdNumber) as raised:
        parse_id_number(wrong)

    assert str(raised.value) == (
        f"ID number check character should be {number[-1]!r}, got {wrong[-1]!r}"
    )


def test_messages_do_not_repeat_the_number():
    wrong = with_wrong_check_character(valid_id_number(BIRTH))

    with pytest.raises(InvalidIdNumber) as raised:
        parse_id_number(wrong)

    assert wrong[:14] not in str(raised.value)


def test_invalid_id_number_is_a_value_error():
    assert issubclass(InvalidIdNumber, ValueError)


@pytest.mark.parametrize(
    ("on", "age"),
    [
        (date(2024, 6, 29), 35),
        (date(2024, 6, 30), 36),
        (date(2024, 12, 31), 36),
        (BIRTH, 0),
    ],
)
def test_age_counts_completed_years(on, age):
    assert age_on(BIRTH, on) == age


def test_age_of_someone_born_on_29_february():
    leapling = date(2008, 2, 29)
    assert age_on(leapling, date(2024, 2, 28)) == 15
    assert age_on(leapling, date(2024, 2, 29)) == 16
    assert age_on(leapling, date(2025, 2, 28)) == 16
    assert age_on(leapling, date(2025, 3, 1)) == 17


def test_age_before_birth_is_an_error():
    with pytest.raises(ValueError, match="before birth_date"):
        age_on(BIRTH, date(1988, 6, 29))


def test_mask_id_number_keeps_region_and_last_four():
    number = with_check_character("50015119880630123")

    assert mask_id_number(number) == f"500151********123{number[-1]}"


def test_mask_id_number_normalises_before_masking():
    number = valid_id_number(BIRTH, "female", serial=0)

    assert mask_id_number(number.lower()) == "500151********002X"


def test_mask_id_number_hides_all_of_a_malformed_value():
    assert mask_id_number("5001511988") == "**********"


def test_free_text_is_masked_wherever_a_number_was_typed():
    from shared.domain.idnumber import mask_sensitive_text, mask_sensitive_values

    text = "户主11010519491231002x，手机13812345678；户编号5001511082010001，2024-09-05核实"
    assert mask_sensitive_text(text) == "户主110105********002x，手机138****5678；户编号5001511082010001，2024-09-05核实"
    assert mask_sensitive_values({"notes": [text], "count": 3}) == {"notes": [mask_sensitive_text(text)], "count": 3}


def test_messages_are_exact():
    with pytest.raises(InvalidIdNumber, match=r"^ID number must be 17 digits followed by a digit or X$"):
        parse_id_number("50015119880630A02X")
    with pytest.raises(InvalidIdNumber, match=r"^ID number birth date \(characters 7-14\) is not a valid date$"):
        parse_id_number(with_check_character("50015119880230003"))
    with pytest.raises(InvalidIdNumber, match=r"^ID number birth date is in the future$"):
        parse_id_number(valid_id_number(date(2024, 9, 2)), today=date(2024, 9, 1))
    with pytest.raises(ValueError, match=r"^on_date is before birth_date$"):
        age_on(BIRTH, date(1988, 6, 29))


def test_the_check_character_message_names_the_one_given_last():
    number = valid_id_number(BIRTH, serial=12)
    wrong = number[:-1] + ("X" if number[-1] != "X" else "9")

    with pytest.raises(InvalidIdNumber) as raised:
        parse_id_number(wrong)

    assert str(raised.value) == f"ID number check character should be {number[-1]!r}, got {wrong[-1]!r}"


def test_the_earliest_plausible_birth_date_is_accepted_and_the_day_before_refused():
    assert parse_id_number(valid_id_number(date(1900, 1, 1))).birth_date == date(1900, 1, 1)
    with pytest.raises(InvalidIdNumber, match=r"^ID number birth date is before 1900-01-01$"):
        parse_id_number(valid_id_number(date(1899, 12, 31)))


def test_free_text_is_stripped_bounded_and_masked():
    from pydantic import TypeAdapter, ValidationError

    from shared.domain.idnumber import free_text

    short = TypeAdapter(free_text(5))
    assert short.validate_python("  12345  ") == "12345"
    assert short.validate_python(" 好 ") == "好"
    for refused in ["", "   ", "123456"]:
        with pytest.raises(ValidationError):
            short.validate_python(refused)
    default = TypeAdapter(free_text())
    assert default.validate_python("字" * 500) == "字" * 500
    with pytest.raises(ValidationError):
        default.validate_python("字" * 501)
    assert default.validate_python(" 手机13812345678 ") == "手机138****5678"
