"""Understanding residents' messages: pure functions, text in and result out.

No database, no Telegram, no network. What the bot knows about the domain lives in data files a
district can edit: `rules/categories.yaml` (categories, keywords, follow-up questions),
`rules/urgency.yaml` (what counts as a present danger), `rules/places.yaml` (address pieces) and
`dict/domain.txt` (words the segmenter keeps whole).

    normalise(text)            matching form: simplified, half-width, lower-case, no emoji
    tokens(text)               jieba words, with the domain dictionary and add_place_words(names)
    classify(text)             Classification: category, label, confidence, matched, urgent …
    categories(), label_of(code), followup_question(code)
    extract_places(text)       address fragments; Gazetteer(entries).match(text) → unit codes
    similar(a, b)              0..1, for "already reported" checks
"""

from bot.nlp.classify import Classification, Classifier, categories, classify, followup_question, label_of
from bot.nlp.normalise import normalise
from bot.nlp.places import Gazetteer, PlaceEntry, PlaceMatch, extract_places
from bot.nlp.segment import add_place_words, tokens
from bot.nlp.similarity import similar

__all__ = [
    "Classification", "Classifier", "Gazetteer", "PlaceEntry", "PlaceMatch", "add_place_words", "categories",
    "classify", "extract_places", "followup_question", "label_of", "normalise", "similar", "tokens",
]
