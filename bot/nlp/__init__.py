"""Understanding residents' messages: pure functions, text in and result out.

No database, no Telegram, no network. What the bot knows about the domain lives in data files a
district can edit: `rules/categories.yaml` (categories, keywords, follow-up questions),
`rules/urgency.yaml` (what counts as a present danger), `rules/places.yaml` (address pieces),
`rules/smalltalk.yaml` (greetings and chit-chat), `rules/followups.yaml` (what answers a follow-up
question) and `dict/domain.txt` (words the segmenter keeps whole).

    normalise.normalise(text)  matching form: simplified, half-width, lower-case, no emoji
    segment.tokens(text)       jieba words, with the domain dictionary and add_place_words(names)
    classify.classify(text)    Classification: category, label, confidence, matched, urgent …
    classify.categories(), .label_of(code), .followup_question(code)
    places.extract_places(text)  address fragments; places.Gazetteer(entries).match(text) → units
    similarity.similar(a, b)   0..1, for "already reported" checks
    smalltalk.read(text)       greeting / thanks / "I want to complain" / blank, or None for a report
    followups.question_left(code, said)  the follow-up question without the parts already answered

Import from the modules (`from bot.nlp import classify as nlp; nlp.classify(text)`): this package
re-exports nothing, so `bot.nlp.classify` is always the module, never the function of that name.
"""
