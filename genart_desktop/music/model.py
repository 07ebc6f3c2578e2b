"""Loading the chorale model (checkpoint + card) and the card's fixed parts."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from genart_desktop.core.checkpoints import find_model, load_checkpoint
from genart_desktop.core.device import choose_device
from genart_desktop.core.errors import UserError
from genart_desktop.music.network import ChoraleNet, NetConfig

DEFAULT_MODEL = "bach-chorales"
KIND = "music-coconet"

# Each voice's pitch span in the training chorales (MIDI, inclusive), measured on the
# cache: the sampler never leaves these, so no voice is given a note Bach never wrote.
VOICE_SPANS = ((57, 81), (53, 74), (48, 69), (36, 64))


@dataclass
class ChoraleModel:
    net: ChoraleNet
    config: NetConfig
    device: torch.device
    name: str = "untrained"
    card: dict | None = None


def load_model(name: str = DEFAULT_MODEL, device=None) -> ChoraleModel:
    info = find_model(name, kind_prefix=KIND)
    device = device or choose_device()
    tensors, card = load_checkpoint(info, device="cpu")
    config = NetConfig.from_card(card.get("architecture", {}))
    net = ChoraleNet(config)
    try:
        net.load_state_dict(tensors, strict=False)
    except RuntimeError as error:
        raise UserError(f"model {info.name!r}: weights do not fit its architecture ({error})") from None
    net.to(device).eval()
    return ChoraleModel(net, config, device, info.name, card)


def untrained_model(config: NetConfig | None = None, seed: int = 0) -> ChoraleModel:
    """A randomly initialised model, for tests of plumbing (not of music)."""
    torch.manual_seed(seed)
    config = config or NetConfig(layers=4, channels=8)
    return ChoraleModel(ChoraleNet(config).eval(), config, torch.device("cpu"))


def model_card(name: str, config: NetConfig, training: dict, metrics: dict,
               held_out: list[int]) -> dict:
    return {
        "name": name,
        "kind": KIND,
        "license": "weights: trained by the GenArt Desktop project (same license as the "
                   "project); data: Bach chorales, public domain, via the music21 corpus (BSD)",
        "credit": "J. S. Bach's four-part chorales (Riemenschneider numbering) from the "
                  "music21 corpus; architecture after Coconet (Huang et al., 2017)",
        "architecture": {"type": "coconet-like masked conv net", **config.to_card(),
                         "voice_spans": [list(s) for s in VOICE_SPANS]},
        "data": {
            "source": "music21==10.5.1 corpus, music21.corpus.chorales.Iterator() "
                      "(371 chorales; 368 have parts named Soprano, Alto, Tenor, Bass)",
            "license": "public domain (Bach); music21 corpus BSD",
            "attribution": "Michael Scott Cuthbert and the music21 contributors",
            "representation": "four voices x 16th-note frames, pitch or rest per cell",
            "split": {
                "rule": "held out: Riemenschneider numbers that are multiples of 10",
                "held_out": held_out,
            },
        },
        "training": training,
        "metrics": metrics,
    }
