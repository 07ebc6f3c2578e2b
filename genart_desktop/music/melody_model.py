"""Loading the melody VAE (checkpoint + card), and its card."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from genart_desktop.core.checkpoints import find_model, load_checkpoint
from genart_desktop.core.errors import UserError
from genart_desktop.music.melody_network import MelodyConfig, MelodyVAE

DEFAULT_MODEL = "melody-vae"
KIND = "music-melody-vae"


@dataclass
class MelodyModel:
    net: MelodyVAE
    config: MelodyConfig
    device: torch.device
    name: str = "untrained"
    card: dict | None = None

    def prior(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(mean, std) of the latent Gaussian new melodies are drawn from: the card's
        fit to the training melodies, else the VAE's N(0, I)."""
        fitted = (self.card or {}).get("latent_prior") or {}
        size = self.config.latent
        if len(fitted.get("mean", [])) == size and len(fitted.get("std", [])) == size:
            return torch.tensor(fitted["mean"]), torch.tensor(fitted["std"])
        return torch.zeros(size), torch.ones(size)


def load_model(name: str = DEFAULT_MODEL, device=None) -> MelodyModel:
    info = find_model(name, kind_prefix=KIND)
    # Small recurrent steps are faster on the CPU than a GPU round trip per 16th note.
    device = torch.device("cpu") if device is None else device
    tensors, card = load_checkpoint(info, device="cpu")
    config = MelodyConfig.from_card(card.get("architecture", {}))
    net = MelodyVAE(config)
    try:
        net.load_state_dict(tensors)
    except RuntimeError as error:
        raise UserError(f"model {info.name!r}: weights do not fit its architecture ({error})") from None
    net.to(device).eval()
    return MelodyModel(net, config, device, info.name, card)


def untrained_model(config: MelodyConfig | None = None, seed: int = 0) -> MelodyModel:
    """A randomly initialised small model, for tests of plumbing (not of music)."""
    torch.manual_seed(seed)
    config = config or MelodyConfig(latent=8, embed=8, encoder=16, conductor=16, decoder=16)
    return MelodyModel(MelodyVAE(config).eval(), config, torch.device("cpu"))


def model_card(name: str, config: MelodyConfig, training: dict, metrics: dict,
               data: dict) -> dict:
    return {
        "name": name,
        "kind": KIND,
        "license": "weights: trained by the GenArt Desktop project (same license as the "
                   "project); data: traditional folk songs and Bach chorales, public domain, "
                   "via the music21 corpus (BSD)",
        "credit": "Essen folk-song collection (Helmut Schaffrath) and J. S. Bach's chorale "
                  "soprano lines from the music21 corpus; architecture after MusicVAE "
                  "(Roberts et al., ICML 2018), hierarchical decoder",
        "architecture": {"type": "hierarchical LSTM VAE", **config.to_card(),
                         "steps_per_bar": 16, "tokens": "rest, hold, note-on MIDI 40..91"},
        "data": {
            "source": "music21==10.5.1 corpus: essenFolksong/*.abc (31 books) and "
                      "corpus.chorales.Iterator() soprano parts",
            "license": "public domain tunes; music21 corpus BSD",
            "attribution": "Michael Scott Cuthbert and the music21 contributors; "
                           "Essen Associative Code collection (Schaffrath, 1995)",
            "representation": "one 16th-note step per token; windows of 4 bars of 16 steps "
                              "starting on a note-on at a beat of the songs' bars (no bar of "
                              "rest inside); transposed -6..+5 semitones in training",
            "split": "held out: songs whose sha1('essen/<book>/<n>' or 'chorale/<number>') "
                     "% 10 == 0",
            **data,
        },
        "training": training,
        "metrics": metrics,
    }
