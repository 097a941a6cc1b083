"""Data files of bot.nlp (a package only so that packaging ships them)."""
