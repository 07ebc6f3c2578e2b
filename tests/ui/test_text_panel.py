"""The text panel in the real window: streaming, cancel, Continue, Regenerate line, undo,
drafts, projects, the CJK font warning and training on a tiny file.

Generation uses tiny untrained models: the decoder guarantees the form whatever the
network says, so what the panel does with the stream is what is tested here."""

from __future__ import annotations

import re
import string

import pytest
import torch
from PySide6.QtCore import Qt

from genart_desktop.core import paths
from genart_desktop.core.checkpoints import save_checkpoint
from genart_desktop.core.project import load_project, save_project
from genart_desktop.text import chinese
from genart_desktop.text.model import CharTransformer, ModelConfig
from genart_desktop.text.vocab import Vocab
from genart_desktop.ui.panels import text as text_panel_module
from genart_desktop.ui.panels import text_training

POEMS = [
    "床前明月光，疑是地上霜。\n舉頭望明月，低頭思故鄉。",
    "春眠不覺曉，處處聞啼鳥。\n夜來風雨聲，花落知多少。",
    "白日依山盡，黃河入海流。\n欲窮千里目，更上一層樓。",
    "紅豆生南國，春來發幾枝。\n願君多采擷，此物最相思。",
    "千山鳥飛絕，萬徑人蹤滅。\n孤舟蓑笠翁，獨釣寒江雪。",
    "朝辭白帝彩雲間，千里江陵一日還。\n兩岸猿聲啼不住，輕舟已過萬重山。",
]
ZH_CHARS = "".join(POEMS) + "天地風花雪夜秋冬長短高低東西南北來去歸飛鶯燕柳梅香心情愁夢"
EN_WORDS = ("the a of and to in my heart day night light sight bright love above sea free me "
            "thee see sun run one fire sky high fly eye rose close goes is was are be i you "
            "he she it we all with on for by from at as but not no so sweet deep sleep keep "
            "green seen rain pain stay way say time rhyme gold old cold soul stone alone tree "
            "wind mind kind find river ever never over morning evening shadow water summer")


def _save_tiny(folder, name, vocab, card) -> str:
    torch.manual_seed(0)
    model = CharTransformer(ModelConfig(len(vocab), 64, 1, 32, 2, 0.0)).eval()
    card = {"name": name, "kind": "text-lm", "license": "n/a", "architecture":
            model.config.to_card(), "vocab": vocab.to_card(), **card}
    return str(save_checkpoint(folder / name, dict(model.state_dict()), card))


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("text-models")
    zh = _save_tiny(folder, "tiny-zh", Vocab(sorted(set(ZH_CHARS + "，。\n"))),
                    {"language": "zh", "script": "traditional"})
    en = _save_tiny(folder, "tiny-en", Vocab(sorted(set(string.ascii_letters + " \n,.;:!?'-"))),
                    {"language": "en", "words": EN_WORDS})
    return {"zh": zh, "en": en}


def open_panel(window, qtbot, card: str):
    panel = window.panels["text"]
    panel.use_model(card)  # before the panel is shown: only this model is loaded
    window.show_panel("text")
    qtbot.waitUntil(lambda: panel.current_model() is not None
                    and panel.current_model().card_path.endswith(card.split("/")[-1])
                    and panel.is_ready(), timeout=30000)
    assert "ready" in panel.model_status.text()
    panel.random_seed.setChecked(False)
    return panel


def choose(box, key) -> None:
    index = box.findData(key)
    assert index >= 0, key
    box.setCurrentIndex(index)


def run(panel, qtbot, button) -> None:
    button.click()
    qtbot.waitUntil(lambda: not panel.busy(), timeout=90000)


def test_generate_streams_a_poem_of_the_chosen_form(window, qtbot, tiny_models):
    panel = open_panel(window, qtbot, tiny_models["zh"])
    choose(panel.form_box, "wujue")
    choose(panel.rhyme_box, "even")
    panel.editor.setPlainText("some old text")
    seen: list[str] = []
    panel.editor.textChanged.connect(lambda: seen.append(panel.editor.toPlainText()))
    run(panel, qtbot, panel.generate_button)
    poem = panel.editor.toPlainText()
    check = chinese.check_poem(poem, chinese.FORMS["wujue"])
    assert check.lengths_ok and check.punctuation_ok and check.rhyme_ok, poem
    # Characters arrived one by one, each state a beginning of the final poem.
    assert len(seen) >= 15
    assert all(poem.startswith(state) for state in seen[1:])
    assert not window.messages
    # One Ctrl+Z in the editor brings back what was there before.
    panel.editor.setFocus()
    qtbot.keyClick(panel.editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert panel.editor.toPlainText() == "some old text"


def test_stop_cancels_streaming(window, qtbot, tiny_models):
    panel = open_panel(window, qtbot, tiny_models["en"])
    choose(panel.form_box, "free")
    panel.syllables.setValue(0)
    panel.lines.setValue(100)  # long enough to be stopped half-way
    panel.generate_button.click()
    qtbot.waitUntil(lambda: len(panel.editor.toPlainText()) > 20, timeout=30000)
    assert panel.busy() and panel.stop_button.isEnabled() and panel.editor.isReadOnly()
    panel.stop_button.click()
    qtbot.waitUntil(lambda: not panel.busy(), timeout=10000)
    stopped = panel.editor.toPlainText()
    qtbot.wait(300)
    assert panel.editor.toPlainText() == stopped  # nothing more arrives
    assert stopped and stopped.count("\n") < 99
    assert panel.generate_button.isEnabled() and not panel.editor.isReadOnly()
    assert panel.drafts.drafts == []  # a stopped poem is not a draft


def test_continue_keeps_the_text_exactly(window, qtbot, tiny_models):
    panel = open_panel(window, qtbot, tiny_models["zh"])
    choose(panel.form_box, "auto")
    for mine in ("床前明月光，疑是地上霜。\n", "床前明月光\n疑是地上霜\n", "春眠不覺曉, 處處"):
        panel.editor.setPlainText(mine)
        run(panel, qtbot, panel.continue_button)
        result = panel.editor.toPlainText()
        assert result.startswith(mine), (mine, result)
        lines = chinese.poem_lines(result)
        assert len(lines) == 4 and all(len(line) == 5 for line in lines), result
        assert not window.messages


def test_continue_english_keeps_the_text(window, qtbot, tiny_models):
    panel = open_panel(window, qtbot, tiny_models["en"])
    choose(panel.form_box, "couplet")
    panel.syllables.setValue(6)
    panel.editor.setPlainText("The night was")
    run(panel, qtbot, panel.continue_button)
    result = panel.editor.toPlainText()
    assert result.startswith("The night was ") and len(result.split("\n")) == 2, result
    # A line ended with Return is a finished line, even short of its syllables.
    panel.editor.setPlainText("The night was dark\n")
    run(panel, qtbot, panel.continue_button)
    result = panel.editor.toPlainText()
    assert result.startswith("The night was dark\n") and len(result.split("\n")) == 2, result
    assert result.split("\n")[1].strip()


def test_regenerate_line_changes_only_that_line(window, qtbot, tiny_models):
    panel = open_panel(window, qtbot, tiny_models["zh"])
    choose(panel.form_box, "auto")
    poem = POEMS[0]
    panel.editor.setPlainText(poem)
    cursor = panel.editor.textCursor()
    cursor.setPosition(poem.index("舉頭") + 1)  # the third line
    panel.editor.setTextCursor(cursor)
    run(panel, qtbot, panel.regenerate_button)
    result = panel.editor.toPlainText()
    before, after = chinese.poem_lines(poem), chinese.poem_lines(result)
    assert len(after) == 4 and len(after[2]) == 5
    assert after[2] != before[2]
    assert [after[i] for i in (0, 1, 3)] == [before[i] for i in (0, 1, 3)]
    assert result.replace(after[2], before[2]) == poem  # punctuation and breaks untouched
    panel.editor.undo()
    assert panel.editor.toPlainText() == poem


def test_drafts_restore_with_their_settings_and_survive_a_project(window, qtbot, tiny_models,
                                                                  tmp_path):
    panel = open_panel(window, qtbot, tiny_models["zh"])
    choose(panel.form_box, "qijue")
    panel.seed.setValue(11)
    run(panel, qtbot, panel.generate_button)
    first = panel.editor.toPlainText()
    choose(panel.form_box, "wujue")
    panel.seed.setValue(22)
    run(panel, qtbot, panel.generate_button)
    second = panel.editor.toPlainText()
    assert [d.text for d in panel.drafts.drafts] == [second, first]

    panel.drafts.list.setCurrentRow(1)
    panel.drafts.restore_button.click()
    assert panel.editor.toPlainText() == first
    assert panel.seed.value() == 11 and panel.form_box.currentData() == "qijue"

    exported = tmp_path / "draft.txt"
    panel.ask_save_path = lambda title, suggested: str(exported)
    panel.drafts.export_button.click()
    assert exported.read_text("utf-8") == first + "\n"

    # File > Save project keeps the poem and the drafts.
    project_path = tmp_path / "poems.genart"
    save_project(window.session.collect(), project_path)
    panel.editor.setPlainText("")
    panel.drafts.set_drafts([])
    window.session.apply(load_project(project_path))
    assert panel.editor.toPlainText() == first
    assert [d.text for d in panel.drafts.drafts] == [second, first]
    assert panel.drafts.drafts[1].settings["seed"] == 11


def test_warns_when_no_font_shows_chinese(qtbot, monkeypatch):
    from genart_desktop.ui.main_window import MainWindow

    monkeypatch.setattr(text_panel_module, "cjk_font_family", lambda: None)
    main_window = MainWindow(restore_layout=False)
    qtbot.addWidget(main_window)
    warning = main_window.panels["text"].font_warning
    assert not warning.isHidden() and "fonts-noto-cjk" in warning.text()
    main_window.shutdown_workers()


def test_the_editor_has_a_chinese_font(window):
    family = window.panels["text"].editor.font().family()
    assert "CJK" in family and window.panels["text"].font_warning.isHidden()


def test_training_can_be_cancelled_and_its_model_appears(window, qtbot, tiny_models, tmp_path,
                                                         monkeypatch):
    monkeypatch.setitem(text_training.SIZES, "small", ("tiny", 1, 48, 32))
    monkeypatch.setattr(text_training, "SAMPLE_EVERY_S", 1.0)
    panel = open_panel(window, qtbot, tiny_models["zh"])
    source = tmp_path / "mine.txt"
    source.write_text("\n\n".join(POEMS * 6), encoding="utf-8")
    box = panel.training
    box.ask_source = lambda folder: str(source)
    box.choose_source(False)
    assert box.source.text() == str(source) and box.name.text() == "mine"
    choose(box.size, "small")
    box.minutes.setValue(10)

    box.start_button.click()
    qtbot.waitUntil(lambda: "step" in box.status.text(), timeout=60000)
    assert box.cancel_button.isEnabled() and not box.start_button.isEnabled()
    box.cancel_button.click()
    qtbot.waitUntil(lambda: not box.running(), timeout=30000)
    assert box.status.text().startswith("Cancelled")
    assert panel.model_box.findText("mine") < 0
    resume = paths.user_models_dir() / ".mine.resume" / "state.json"
    assert resume.exists()  # the stop saved where it was: Start again carries on

    box.minutes.setValue(0.1)
    box.start_button.click()
    qtbot.waitUntil(lambda: not box.running(), timeout=60000)
    assert box.status.text().startswith("Trained mine"), box.status.text()
    # how well it knows the poems it did not train on, against a 3-gram of the same texts
    assert re.search(r"on your held-out poems [0-9.]+ bits per character, (no )?better than "
                     r"a simple 3-gram model of your texts \([0-9.]+", box.status.text())
    assert box.loss.text().startswith("Loss:") and box.samples.toPlainText()
    assert not resume.exists()
    qtbot.waitUntil(lambda: panel.model_box.findText("mine") >= 0, timeout=10000)
    assert panel.current_model().name == "mine"
    qtbot.waitUntil(panel.is_ready, timeout=30000)
    run(panel, qtbot, panel.generate_button)
    assert chinese.poem_lines(panel.editor.toPlainText())
    assert not window.messages
