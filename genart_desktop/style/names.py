"""Names of the 26 built-in styles (no torch here: the gallery reads them at start-up)."""

# The package leaves the 26 styles unnamed; these names say what each one looks like on a
# photo (looked at on scikit-image's astronaut). The CLI still takes the numbers 1..26.
BUILTIN_STYLE_NAMES = [
    "Golden pastel", "Bold black outlines", "Pale ink wash", "Swirling ribbons",
    "Rose impressionist", "Orange glaze", "Blue leopard spots", "Night blue and gold",
    "Pastel sketch", "Teal and crimson pattern", "Sepia fresco", "Ochre line drawing",
    "Lavender haze", "Green cubist", "Misty teal", "Stained glass", "Blue brushwork",
    "Woven red and blue grid", "Sepia etching", "Blue crosshatch", "Red expressionist",
    "Pastel cut-outs", "Muted blue wash", "Dark green chiaroscuro", "Blue and cream woodcut",
    "Navy and amber mosaic",
]
