"""Picture analysis: palettes, similarity to paintings and styles, recommendations."""
