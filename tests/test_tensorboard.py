"""--tensorboard / logging.tensorboard: event files in the run folder that hold what metrics.jsonl holds."""

from __future__ import annotations

import json
import sys

import pytest
import yaml
from typer.testing import CliRunner

from gentool.cli.app import app

from helpers import TINY_2D_ARGS, TINY_VAE

pytest.importorskip("tensorboard", reason="the tensorboard extra is not installed (CI installs it)")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402

runner = CliRunner()


def invoke(args, data_dir):
    return runner.invoke(app, args, env={"GENTOOL_DATA_DIR": str(data_dir)})


def events(run):
    accumulator = EventAccumulator(str(run), size_guidance={"scalars": 0, "images": 0})
    accumulator.Reload()
    return accumulator


def assert_scalars_equal_metrics(run):
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    board = events(run)
    checked = 0
    for record in records:
        for name, value in record.items():
            if name in ("epoch", "step") or isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            logged = {event.step: event.value for event in board.Scalars(name)}
            assert logged[record["epoch"]] == pytest.approx(value, rel=1e-6, abs=1e-6), (name, record["epoch"])
            checked += 1
    assert checked >= 5 * len(records)
    for name in board.Tags()["scalars"]:  # nothing logged that metrics.jsonl does not hold
        assert [event.step for event in board.Scalars(name)] == [r["epoch"] for r in records if name in r]
    return board


def test_gan_tensorboard_scalars_equal_metrics_and_sample_grids_are_images(data_dir, tmp_path):
    run = tmp_path / "run"
    result = invoke(["gan", "train", "--dataset", "ring8", "--epochs", "3", *TINY_2D_ARGS, "--set",
                     "train.sample_epochs=[1]", "--tensorboard", "--out", str(run), "-q"], data_dir)
    assert result.exit_code == 0, result.output
    assert yaml.safe_load((run / "config.yaml").read_text())["logging"] == {"tensorboard": True}
    board = assert_scalars_equal_metrics(run)
    assert "loss_d" in board.Tags()["scalars"] and "modes_captured" in board.Tags()["scalars"]
    assert [event.step for event in board.Images("samples/epoch")] == [1, 3]  # the grids written at epochs 1, 3
    assert {"figures/modes", "figures/dynamics"} <= set(board.Tags()["images"])  # drawn at the end


def test_vae_tensorboard_from_the_config_key(data_dir, tmp_path):
    config = tmp_path / "tiny.yaml"
    config.write_text(yaml.safe_dump({**TINY_VAE, "logging": {"tensorboard": True}}))
    run = tmp_path / "vae"
    result = invoke(["vae", "train", "--config", str(config), "--out", str(run), "-q"], data_dir)
    assert result.exit_code == 0, result.output
    board = assert_scalars_equal_metrics(run)
    assert "val_elbo" in board.Tags()["scalars"] and "beta" in board.Tags()["scalars"]


def test_tensorboard_without_the_package_exits_2_naming_the_install(data_dir, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)
    run = tmp_path / "run"
    result = invoke(["gan", "train", "--dataset", "ring8", "--epochs", "1", *TINY_2D_ARGS, "--tensorboard", "--out",
                     str(run)], data_dir)
    assert result.exit_code == 2, result.output
    assert "pip install 'tensorboard>=2.10'" in result.output and "Traceback" not in result.output
    assert not run.exists()


def test_a_resume_that_redoes_an_epoch_shows_each_epoch_once(data_dir, tmp_path):
    run = tmp_path / "run"
    args = ["gan", "train", "--dataset", "ring8", *TINY_2D_ARGS, "--set", "train.checkpoint_every=1", "--tensorboard",
            "-q"]
    assert invoke([*args, "--epochs", "2", "--out", str(run)], data_dir).exit_code == 0
    # as after a kill -9 between epoch 2's record (and its events) and its checkpoint: last.pt is epoch 1's
    (run / "checkpoints" / "epoch_0001.pt").replace(run / "checkpoints" / "last.pt")
    result = invoke(["gan", "train", "--resume", str(run), "-q"], data_dir)
    assert result.exit_code == 0, result.output
    assert_scalars_equal_metrics(run)  # epoch 2 logged twice, shown once


def plugin_contents(folder, plugin="hparams"):
    """{tag: content} of a plugin's summaries in the event files directly in `folder`."""
    board = EventAccumulator(str(folder))
    board.Reload()
    return board.PluginTagToContent(plugin), board


def test_every_sweep_cell_is_an_hparams_session_with_its_swept_values_and_final_figures(tmp_path):
    from tensorboard.plugins.hparams import metadata

    out = tmp_path / "sweep"
    args = ["sweep", "gan", "--dataset", "ring8", "--grid", "optim.lr=0.0002,0.001", "--grid",
            "fixes=vanilla,feature-matching", "--seeds", "1", *TINY_2D_ARGS, "--set", "train.epochs=1",
            "--set", "logging.tensorboard=true", "--out", str(out), "--json", "-q"]
    result = invoke(args, tmp_path / "data")
    assert result.exit_code == 0, result.output
    cells = json.loads(result.stdout)["cells"]
    for cell in cells:
        contents, board = plugin_contents(out / cell["path"])
        start = metadata.parse_session_start_info_plugin_data(contents[metadata.SESSION_START_INFO_TAG])
        shown = {key: getattr(value, value.WhichOneof("kind")) for key, value in start.hparams.items()}
        assert shown == {"optim.lr": cell["params"]["optim.lr"], "fixes": cell["params"]["fixes"], "seed": 0.0}
        final = {tag[len("final/"):]: board.Scalars(tag)[-1].value for tag in board.Tags()["scalars"]
                 if tag.startswith("final/")}
        assert final.keys() == {name for name, value in cell["metrics"].items() if value is not None}
        assert all(final[name] == pytest.approx(cell["metrics"][name], rel=1e-6) for name in final)
        assert "loss_d" in board.Tags()["scalars"]  # the session sits beside the run's own curves
    contents, _ = plugin_contents(out)
    experiment = metadata.parse_experiment_plugin_data(contents[metadata.EXPERIMENT_TAG])
    domains = {info.name: [getattr(value, value.WhichOneof("kind")) for value in info.domain_discrete.values]
               for info in experiment.hparam_infos}
    assert domains == {"optim.lr": [0.0002, 0.001], "fixes": ["vanilla", "feature-matching"], "seed": [0.0]}
    assert {info.name.tag for info in experiment.metric_infos} >= {"final/modes_captured", "final/prdc_recall"}

    again = invoke(args, tmp_path / "data")  # a finished sweep read again: one session per cell, one experiment
    assert again.exit_code == 0, again.output
    assert len(list(out.glob("events.out.tfevents.*.hparams"))) == 1
    assert all(len(list((out / cell["path"]).glob("*.hparams"))) == 1 for cell in cells)


def test_a_sweep_without_tensorboard_writes_no_event_files(tmp_path):
    out = tmp_path / "sweep"
    result = invoke(["sweep", "em", "--grid", "components=2,3", "--seeds", "1", "--set", "points.samples=400",
                     "--out", str(out), "-q"], tmp_path / "data")
    assert result.exit_code == 0, result.output
    assert not list(out.rglob("events.out.tfevents.*"))


def test_the_drum_vaes_bars_are_wav_files_and_tensorboard_audio(data_dir, tmp_path):
    from gentool.io.audio import read_wav

    config = tmp_path / "tiny.yaml"
    config.write_text(yaml.safe_dump({**TINY_VAE, "logging": {"tensorboard": True}}))
    run = tmp_path / "vae"
    result = invoke(["vae", "train", "--config", str(config), "--out", str(run), "--json", "-q"], data_dir)
    assert result.exit_code == 0, result.output
    wavs = sorted((run / "samples" / "genres").glob("*.wav"))
    assert len(wavs) >= 2 and all(path.with_suffix(".mid").is_file() for path in wavs)
    assert {str(path) for path in wavs} <= set(json.loads(result.stdout)["samples"])
    board = EventAccumulator(str(run), size_guidance={"audio": 0})
    board.Reload()
    assert set(board.Tags()["audio"]) == {f"samples/genres/{path.stem}" for path in wavs}
    for path in wavs:
        (logged,) = board.Audio(f"samples/genres/{path.stem}")
        samples, rate = read_wav(path)
        assert logged.sample_rate == rate and logged.step == 2  # logged at the last epoch, when they were written
        assert logged.length_frames == len(samples) and samples.std() > 0.01  # a bar with hits, not silence
