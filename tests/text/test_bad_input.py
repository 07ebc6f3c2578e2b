"""Each bad input gives one clear line, or is handled sensibly; never a broken form."""

from __future__ import annotations

import pytest

from genart_desktop import cli
from genart_desktop.core.errors import UserError
from genart_desktop.text import chinese
from genart_desktop.text.engine import PoemRequest


def test_empty_prompt_is_no_prompt(zh_engine):
    poem = zh_engine.generate(PoemRequest(form="wujue", prompt="   \n ", seed=1))
    assert chinese.check_poem(poem, chinese.FORMS["wujue"]).lengths_ok


def test_unseen_characters_are_kept_and_the_form_holds(zh_engine):
    prompt = "龘靐齉爩鱻，"  # none of these is in the tiny vocabulary
    poem = zh_engine.generate(PoemRequest(form="wujue", prompt=prompt, seed=1))
    assert poem.startswith("龘靐齉爩鱻，")
    assert chinese.check_poem(poem, chinese.FORMS["wujue"]).punctuation_ok


@pytest.mark.parametrize("acrostic", ["春江花", "春江花月夜"])
def test_acrostic_of_the_wrong_length(zh_engine, acrostic):
    with pytest.raises(UserError, match=f"acrostic '{acrostic}' has {len(acrostic)} characters; "
                                        "a 七言绝句 has 4 lines"):
        zh_engine.generate(PoemRequest(form="qijue", acrostic=acrostic))


def test_acrostic_that_is_not_chinese(zh_engine):
    with pytest.raises(UserError, match="must be Chinese characters"):
        zh_engine.generate(PoemRequest(form="qijue", acrostic="abcd"))


def test_ten_megabyte_prompt(zh_engine, en_engine):
    huge = "春" * 10_000_000
    with pytest.raises(UserError, match="10,000,000 characters; a poem's prompt can have at most"):
        zh_engine.generate(PoemRequest(prompt=huge))
    with pytest.raises(UserError, match="at most 2,000"):
        en_engine.generate(PoemRequest(prompt="la " * 3_500_000))


def test_prompt_lines_of_the_wrong_length(zh_engine):
    with pytest.raises(UserError, match="line 1 of the prompt has 6 characters; a 七言绝句 has 7"):
        zh_engine.generate(PoemRequest(form="qijue", prompt="春江潮水連海，"))


def test_prompt_longer_than_the_form(zh_engine):
    with pytest.raises(UserError, match="already has 5 lines; a 五言绝句 has 4"):
        zh_engine.generate(PoemRequest(form="wujue", prompt="床前明月光，疑是地上霜。舉頭望明月，低頭思故鄉。春眠不覺曉，"))


def test_latin_prompt_for_a_chinese_model(zh_engine):
    with pytest.raises(UserError, match="not Chinese"):
        zh_engine.generate(PoemRequest(prompt="hello world"))


def test_wrong_form_for_the_language(zh_engine, en_engine):
    with pytest.raises(UserError, match="writes Chinese forms"):
        zh_engine.generate(PoemRequest(form="quatrain"))
    with pytest.raises(UserError, match="writes English forms"):
        en_engine.generate(PoemRequest(form="qilv"))
    with pytest.raises(UserError, match="acrostics"):
        en_engine.generate(PoemRequest(form="quatrain", acrostic="LOVE"))


def test_bad_sampling_values(en_engine):
    with pytest.raises(UserError, match="top-p"):
        en_engine.generate(PoemRequest(top_p=0))
    with pytest.raises(UserError, match="rhyme scheme"):
        en_engine.generate(PoemRequest(scheme="ABX"))
    with pytest.raises(UserError, match="syllables"):
        en_engine.generate(PoemRequest(syllables=50))


def test_english_prompt_with_strange_characters_is_kept(en_engine):
    poem = en_engine.generate(PoemRequest(form="couplet", prompt="Über ☃ the sea,", seed=2))
    assert poem.split("\n")[0] == "Über ☃ the sea,"


def test_cli_prints_one_line_for_a_bad_acrostic(capsys):
    status = cli.main(["write", "--model", "tang", "--form", "qijue", "--acrostic", "春江花"])
    err = capsys.readouterr().err.strip()
    assert status == 2
    assert err.count("\n") == 0 and "has 3 characters" in err


def test_cli_unknown_model(capsys):
    status = cli.main(["write", "--model", "no-such-model"])
    assert status == 2
    assert "no model named 'no-such-model'" in capsys.readouterr().err


def test_a_utf16_text_is_read_as_text_and_binary_is_refused(tmp_path):
    from genart_desktop.text.corpora import read_user_text

    poem = "床前明月光\r\n疑是地上霜\r\n"
    utf16 = tmp_path / "notepad.txt"
    utf16.write_bytes(poem.encode("utf-16"))          # with its byte-order mark
    assert read_user_text(utf16) == poem.replace("\r\n", "\n")
    binary = tmp_path / "picture.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(UserError, match="binary"):
        read_user_text(binary)
