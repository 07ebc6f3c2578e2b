"""`genart train-images` and `train(params, job)` on tiny generated folders."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from genart_desktop.core.checkpoints import find_model
from genart_desktop.core.errors import UserError
from genart_desktop.core.jobs import Job
from genart_desktop.latent.engine import LatentModel
from genart_desktop.latent.train import TrainParams, train



class Recorder(Job):
    def __init__(self) -> None:
        self.messages: list[str] = []
        self.partials: list[np.ndarray] = []
        super().__init__(on_progress=lambda f, m, r: self.messages.append(m),
                         on_partial=self.partials.append)


def _params(folder, output, **changes) -> TrainParams:
    values = dict(folder=str(folder), kind="vae", output=str(output), epochs=2, batch_size=8,
                  width=8, z_dim=8, partial_every=2, device="cpu")
    values.update(changes)
    return TrainParams(**values)


def test_vae_trains_resumes_and_loads(tmp_path, make_image_folder):
    folder = make_image_folder(tmp_path / "images", 20, broken=2)
    (folder / "notes.txt").write_text("not an image")  # not an image suffix: ignored
    output = tmp_path / "models" / "discs"

    first = Recorder()
    summary = train(_params(folder, output, epochs=1), first)
    assert summary["usable"] == 20 and len(summary["skipped"]) == 2
    assert summary["steps"] == 2  # 18 training images // batch 8
    assert first.partials and first.partials[0].shape == (256, 256, 4)  # 4x4 previews

    second = Recorder()
    summary = train(_params(folder, output, epochs=2), second)
    assert any("resumed at step 2" in message for message in second.messages)
    assert summary["steps"] == 4

    card = json.loads(output.with_suffix(".json").read_text())
    assert card["kind"] == "latent-vae"
    assert card["data"]["split"] == {**card["data"]["split"], "train_images": 18,
                                     "heldout_images": 2, "unreadable_skipped": 2}
    assert card["training"]["steps"] == 4
    assert "heldout_reconstruction_psnr_db" in card["metrics"]
    assert output.with_name("discs.samples.png").exists()

    model = LatentModel.load(str(output.with_suffix(".json")))
    assert model.sample(3).shape == (64, 64, 4)
    assert model.encode(np.zeros((64, 64, 4), np.uint8))[0].shape == (8,)


def test_gan_trains_and_loads_from_the_command_line(tmp_path, capsys, make_image_folder):
    from genart_desktop.cli import main

    folder = make_image_folder(tmp_path / "images", 16, broken=1)
    status = main(["train-images", str(folder), "--kind", "gan", "--epochs", "1",
                   "--batch-size", "8", "--width", "8", "--z-dim", "16", "-o", "tiny-gan"])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    assert "skipped 1 unreadable files" in captured.err
    info = find_model("tiny-gan")  # a bare name lands in the user's models folder
    model = LatentModel.load(info)
    assert model.kind == "gan" and model.directions.shape == (16, 16)
    assert info.card["training"]["command"].startswith("genart ")


def test_fewer_than_16_usable_images_is_refused(tmp_path, capsys, make_image_folder):
    from genart_desktop.cli import main

    folder = make_image_folder(tmp_path / "few", 12, broken=5)
    status = main(["train-images", str(folder), "--kind", "vae", "--epochs", "1", "-o", "few"])
    error = capsys.readouterr().err
    assert status == 2
    assert "12 usable images (5 unreadable skipped)" in error and "at least 16" in error
    assert "Traceback" not in error


def test_resuming_with_other_settings_is_refused(tmp_path, make_image_folder):
    folder = make_image_folder(tmp_path / "images", 16)
    output = tmp_path / "m"
    train(_params(folder, output, epochs=1), Job())
    with pytest.raises(UserError, match="--restart"):
        train(_params(folder, output, epochs=2, z_dim=12), Job())
    train(_params(folder, output, epochs=1, z_dim=12, restart=True), Job())


def test_card_without_weights_and_mismatched_weights_are_clear_errors(tmp_path, make_image_folder):
    folder = make_image_folder(tmp_path / "images", 16)
    train(_params(folder, tmp_path / "a", epochs=1), Job())
    train(_params(folder, tmp_path / "b", epochs=1, z_dim=12), Job())

    shutil.copy(tmp_path / "b.safetensors", tmp_path / "a.safetensors")
    with pytest.raises(UserError, match="does not match its card"):
        LatentModel.load(str(tmp_path / "a.json"))

    (tmp_path / "a.safetensors").unlink()
    with pytest.raises(UserError, match="weights file a.safetensors is missing"):
        LatentModel.load(str(tmp_path / "a.json"))

    card = json.loads((tmp_path / "b.json").read_text())
    card["architecture"]["width"] = 16  # the card now describes another network
    (tmp_path / "b.json").write_text(json.dumps(card))
    with pytest.raises(UserError, match="do not fit the architecture"):
        LatentModel.load(str(tmp_path / "b.json"))


def test_projected_recipe_steps_and_its_discriminator_learns(tmp_path, make_image_folder):
    """The new recipe: a few steps and its feature discriminator tells the real discs
    from the generator's first pictures better than before."""
    import torch

    from genart_desktop.latent import data
    from genart_desktop.latent.train import hinge_discriminator_loss
    from genart_desktop.latent.train import _Run, to_pixels

    torch.manual_seed(0)
    folder = make_image_folder(tmp_path / "images", 16)
    real = to_pixels(torch.from_numpy(data.load_folder(folder, 32, "all").images[:8]))
    run = _Run(_params(folder, tmp_path / "x", kind="gan", size=32, z_dim=16,
                       recipe="projected"), torch.device("cpu"))
    assert type(run.net).__name__ == "FastGenerator"
    with torch.no_grad():
        fake = run.net(torch.randn(8, 16))
    background = torch.zeros(8, 3, 1, 1)

    def discriminator_loss() -> float:
        with torch.no_grad():
            return hinge_discriminator_loss(run.disc(real, background),
                                            run.disc(fake, background)).item()

    before = discriminator_loss()
    frozen = {k: v.clone() for k, v in run.disc.mixing.state_dict().items()}
    for _ in range(8):
        run.train_step(real)
    assert discriminator_loss() < before
    assert all(torch.equal(v, run.disc.mixing.state_dict()[k]) for k, v in frozen.items())
    assert set(run.last_losses) == {"d_hinge", "g_hinge"}


def test_projected_recipe_in_bf16_writes_a_model_the_engine_loads(tmp_path, make_image_folder):
    folder = make_image_folder(tmp_path / "images", 16)
    output = tmp_path / "models" / "fast"
    state = tmp_path / "state"
    summary = train(_params(folder, output, kind="gan", z_dim=16, epochs=1, recipe="projected",
                            precision="bf16", state_dir=str(state)), Recorder())
    assert summary["steps"] == 1 and (state / "fast.safetensors").exists()
    card = json.loads(output.with_suffix(".json").read_text())
    assert card["architecture"]["type"] == "fastgan-projected"
    assert card["training"]["recipe"] == "projected" and card["training"]["precision"] == "bf16"
    model = LatentModel.load(str(output.with_suffix(".json")))
    picture = model.sample(1)
    assert picture.shape == (64, 64, 4)
    assert model.direction_set("sefa").directions.shape == (16, 16)


def test_perceptual_distance_sees_blur_more_than_faint_noise():
    import torch
    import torch.nn.functional as F

    from genart_desktop.latent.perceptual import load_perceptual_network, perceptual_distance

    network = load_perceptual_network()
    torch.manual_seed(0)
    yy, xx = torch.meshgrid(torch.arange(64), torch.arange(64), indexing="ij")
    picture = -torch.ones(1, 4, 64, 64)
    disc = ((yy - 32) ** 2 + (xx - 32) ** 2 < 400) & ((yy // 4 + xx // 4) % 2 == 0)
    picture[:, :, disc] = torch.tensor([0.8, -0.6, 0.2, 1.0]).view(1, 4, 1)
    blurred = F.avg_pool2d(picture, 5, 1, 2)
    noisy = (picture + 0.02 * torch.randn_like(picture)).clamp(-1, 1)
    with torch.no_grad():
        assert perceptual_distance(network, picture, picture).item() < 1e-6
        assert perceptual_distance(network, picture, blurred).item() > \
            3 * perceptual_distance(network, picture, noisy).item()


def test_a_sharpened_vae_trains_with_its_extra_losses(tmp_path, make_image_folder):
    folder = make_image_folder(tmp_path / "images", 20)
    output = tmp_path / "models" / "sharp"
    recorder = Recorder()
    summary = train(_params(folder, output, epochs=1, perceptual=1.0, adversarial=0.1,
                            adversarial_start=0), recorder)
    assert {"perceptual", "patch_d_hinge", "patch_g"} <= set(summary["losses"])
    card = json.loads(output.with_suffix(".json").read_text())
    assert card["training"]["perceptual_weight"] == 1.0
    assert card["metrics"]["heldout_reconstruction_perceptual"] > 0
    assert LatentModel.load(str(output.with_suffix(".json"))).sample(2).shape == (64, 64, 4)
