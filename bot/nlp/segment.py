"""Word segmentation: jieba with the domain's words and the jurisdiction's place names.

GridBot keeps its own `jieba.Tokenizer` rather than the module-level one, so the words added here
(油烟, 私搭乱建, the district's community names) never change how any other code in the process
segments text. It is built on first use: jieba takes about a second to load its dictionary, and
processes that never segment (migrations, the web panel) should not pay for it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from pathlib import Path

import jieba

from bot.nlp.normalise import normalise

__all__ = ["DOMAIN_DICT", "add_place_words", "boundaries", "domain_words", "is_word", "place_words", "pos_tagger",
           "tag_of", "token_spans", "tokenizer", "tokens"]

DOMAIN_DICT = Path(__file__).parent / "dict" / "domain.txt"

_tokenizer: jieba.Tokenizer | None = None
_tagger = None
_lock = threading.Lock()
_place_words: set[str] = set()


def read_word_list(path: Path) -> list[str]:
    """One word per line; blank lines and lines starting with `#` are notes for the people editing it.

    Only the first field counts, so a line may also carry jieba's optional frequency and tag.
    """
    words = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            words.append(normalise(line.split()[0]))
    return words


def domain_words() -> list[str]:
    """The domain dictionary's words, normalised."""
    return read_word_list(DOMAIN_DICT)


def _get_tokenizer() -> jieba.Tokenizer:
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                jieba.setLogLevel(logging.WARNING)  # no "Building prefix dict…" chatter in the bot's log
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                for word in domain_words():
                    tokenizer.add_word(word)
                _tokenizer = tokenizer
    return _tokenizer


def tokenizer() -> jieba.Tokenizer:
    """bot.nlp's own tokenizer (domain and place words added), e.g. for jieba.posseg in pii.py."""
    return _get_tokenizer()


def pos_tagger():
    """jieba's part-of-speech tagger over bot.nlp's own tokenizer (built on first use: it reads
    jieba's dictionary again for the tags)."""
    global _tagger
    if _tagger is None:
        tokenizer = _get_tokenizer()  # before taking the lock: building the tokenizer takes it too
        with _lock:
            if _tagger is None:
                import jieba.posseg

                _tagger = jieba.posseg.POSTokenizer(tokenizer)
    return _tagger


def tag_of(word: str) -> str:
    """jieba's part of speech for a word of its dictionary, out of context ('' for none): 在 → p."""
    return pos_tagger().word_tag_tab.get(word, "")


def add_place_words(names: Iterable[str]) -> int:
    """Teach the segmenter the jurisdiction's place names so each stays one token.

    Called once at start with the gazetteer's names ("南海街一社区" would otherwise be cut into
    南海 / 街一 / 社区). Names are normalised first, as the text they will be found in is.
    Returns how many names were added.
    """
    tokenizer = _get_tokenizer()
    added = 0
    with _lock:
        for name in names:
            word = normalise(name)
            if len(word) >= 2:
                tokenizer.add_word(word)
                _place_words.add(word)
                added += 1
    return added


def place_words() -> frozenset[str]:
    """The place names added with `add_place_words` (normalised)."""
    return frozenset(_place_words)


def token_spans(text: str) -> list[tuple[str, int, int]]:
    """(word, start, end) of each token of the *normalised* text, whitespace tokens dropped."""
    norm = normalise(text)
    return [(w, s, e) for w, s, e in _get_tokenizer().tokenize(norm) if not w.isspace()]


def tokens(text: str) -> list[str]:
    """The words of `text` after normalisation, whitespace dropped."""
    return [w for w in _get_tokenizer().lcut(normalise(text)) if not w.isspace()]


def is_word(word: str) -> bool:
    """Whether `word` is a word of jieba's dictionary, the domain's or the jurisdiction's places."""
    return _get_tokenizer().FREQ.get(word, 0) > 0


def frequency(word: str) -> int:
    """How often jieba's dictionary says `word` is written (0: not a word of it)."""
    return _get_tokenizer().FREQ.get(word, 0)


def boundaries(normalised_text: str) -> frozenset[int]:
    """The offsets where a jieba word starts or ends in text that is already normalised.

    The classifier asks this only when two rule words overlap (停电 and 电梯 in "关停电梯"):
    a word that starts and ends on these offsets is one the resident wrote.
    """
    cuts = {0, len(normalised_text)}
    for _, start, end in _get_tokenizer().tokenize(normalised_text):
        cuts.add(start)
        cuts.add(end)
    return frozenset(cuts)
