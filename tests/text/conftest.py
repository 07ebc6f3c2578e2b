"""Tiny random models for plumbing tests: the decoders must keep every form rule whatever
the network says, so an untrained network is the harshest test of the constraints."""

from __future__ import annotations

import string

import pytest
import torch

from genart_desktop.text.engine import PoetryEngine
from genart_desktop.text.model import CharTransformer, ModelConfig
from genart_desktop.text.vocab import Vocab

# About 500 common characters in traditional script, with enough of every rhyme group.
ZH_CHARS = (
    "春江潮水連海平上明月共生灩隨波千萬里何處無光花林皆似霰空裏流霜不覺飛汀白沙看見天一色纖塵皎孤輪"
    "畔人初照年代已但長送客愁相思歸落搖情滿樹風雨夜來聲知多少山東西南北中床前地舉頭低望故鄉白日依盡黃河入"
    "欲窮目更層樓紅豆生國秋發幾枝君采擷此物最相思獨在異為逢佳節倍親遙兄弟登高遍插茱萸少一朝辭帝彩雲間"
    "陵還兩岸猿啼住輕舟已過重松下問童子言師采藥去只在此深不知處鋤禾當午汗滴土誰盤餐粒粒皆辛苦"
    "離離原草歲枯榮野火燒盡吹又生遠芳侵古道晴翠接荒城王孫去萋萋別情大漠孤煙直長落圓蕭條"
    "獨坐幽篁彈琴復長嘯深林不知明來相照紅顏老寂寞古行宮宮花寂寞紅頭宮女在閒坐說玄宗"
    "煙籠寒水月籠沙夜泊秦淮近酒家商女不知亡國恨隔江猶唱後庭花故人西辭黃鶴樓三揚州惟見長江際流"
    "朝雨浥塵客舍青青柳新勸君更盡杯酒出陽關無故人渭城寒雨連江吳洛陽親友如相問片冰心玉壺"
    "鳥聲喧聞花落多少眠曉啼處風雨夜來聞知道路難行歌舞笑語聲中悲歡離合情長短高低遠近新舊今昔"
    "金銀珠玉翠碧青紅黃綠紫霞星辰雲霧雪冰霜露晨昏朝暮冬夏香影夢魂心意情思愁恨憂喜歡樂"
    "龍鳳鶴雁燕鶯蝶魚馬牛羊虎豹松竹梅蘭菊荷桃李楊柳梧桐草木石泉溪澗峰嶺巖谷門窗簾燈燭"
)
EN_WORDS = (
    "the a of and to in my heart day night light sight delight bright love above dove sea free "
    "me thee see sun run done one fire desire higher sky high fly eye rose close those goes "
    "is was are be i you he she it we they all with on for by from at as but or not no so "
    "sweet deep sleep keep weep green seen between again rain pain plain stay way play say "
    "time rhyme climb gold old cold told soul whole stone alone bone tree wind mind kind find "
    "river ever never over morning evening shadow water golden summer winter"
)


def tiny_zh_engine(seed: int = 0) -> PoetryEngine:
    torch.manual_seed(seed)
    vocab = Vocab(sorted(set(ZH_CHARS + "，。\n")))
    model = CharTransformer(ModelConfig(len(vocab), 64, 1, 32, 2, 0.0)).eval()
    return PoetryEngine(model, vocab, {"name": "tiny-zh", "language": "zh", "script": "traditional"})


def tiny_en_engine(seed: int = 0) -> PoetryEngine:
    torch.manual_seed(seed)
    vocab = Vocab(sorted(set(string.ascii_letters + " \n,.;:!?'-\"")))
    model = CharTransformer(ModelConfig(len(vocab), 64, 1, 32, 2, 0.0)).eval()
    return PoetryEngine(model, vocab, {"name": "tiny-en", "language": "en", "words": EN_WORDS})


@pytest.fixture(scope="session")
def zh_engine() -> PoetryEngine:
    return tiny_zh_engine()


@pytest.fixture(scope="session")
def en_engine() -> PoetryEngine:
    return tiny_en_engine()


@pytest.fixture(scope="session")
def tang() -> PoetryEngine:
    """The shipped Chinese model."""
    return PoetryEngine.load("tang")


@pytest.fixture(scope="session")
def english_model() -> PoetryEngine:
    """The shipped English model."""
    return PoetryEngine.load("english")
