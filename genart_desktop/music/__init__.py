"""Music: the score (notes), the chorale model and its Gibbs sampler, MIDI in and out,
SoundFont rendering. Qt-free; the piano-roll panel in ui/ calls these functions."""
