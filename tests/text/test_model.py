"""The one-character step used while writing computes what the full forward computes."""

import torch

from genart_desktop.text.model import CharTransformer, ModelConfig


def test_cached_steps_match_the_full_forward():
    torch.manual_seed(0)
    model = CharTransformer(ModelConfig(50, 16, 2, 32, 4, 0.0)).eval()
    ids = torch.randint(0, 50, (1, 12))
    with torch.inference_mode():
        full = model(ids)[0]
        caches = model.new_caches()
        steps = [model.step(int(t), caches, i) for i, t in enumerate(ids[0])]
        prefix = model.new_caches()
        model(ids[:, :5], prefix)
        after = model.step(int(ids[0, 5]), prefix, 5)
    for position, logits in enumerate(steps):
        assert torch.allclose(logits, full[position], atol=1e-5)
    assert torch.allclose(after, full[5], atol=1e-5)


def test_encode_array_reads_a_text_as_encode_does():
    from genart_desktop.text.vocab import Vocab

    vocab = Vocab("ab\n春")
    text = "ab\nc春😀a"
    assert vocab.encode_array(text).tolist() == vocab.encode(text)
