"""The values the poetry engine takes, shared by ``genart write`` and the text panel, so
the window and the CLI accept the same numbers.

No imports: the CLI reads these while building its parser (``genart --help`` stays quick)
and the window before torch is loaded.
"""

MAX_SYLLABLES = 20      # English syllables per line; 0 means free length (free verse only)
MAX_FREE_LINES = 100    # lines of English free verse
MAX_TEMPERATURE = 5.0   # 0 is allowed: the decoder then always takes the likeliest character
