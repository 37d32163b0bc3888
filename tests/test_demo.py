"""`gentool demo` end to end on the tiny fonts: both runs trained, measured beside the baselines and shown on one
page, each step printed as a real command; and the demo's presets are what their comments promise."""

import json

import yaml
from PIL import Image
from typer.testing import CliRunner

from gentool.cli.app import app
from gentool.gan.config import gan_config_dict, resolve_gan_config

runner = CliRunner()


def invoke(args, data_dir):
    return runner.invoke(app, args, env={"GENTOOL_DATA_DIR": str(data_dir)})


def test_demo_trains_measures_and_reports_both_runs_printing_real_commands(tiny_evaluation, tiny_evaluator, data_dir,
                                                                           tmp_path):
    layer = tmp_path / "tiny.yaml"
    layer.write_text(yaml.safe_dump({**tiny_evaluation, "train": {**tiny_evaluation["train"], "epochs": 1}}))
    out = tmp_path / "demo"
    # --data-dir and --device given on the command line, not by the environment: the printed commands carry them
    given = ["--data-dir", str(data_dir), "--device", "cpu"]
    result = runner.invoke(app, ["demo", "--config", str(layer), "--seed", "3", "--out", str(out), *given, "--json"],
                           env={"GENTOOL_DATA_DIR": ""})
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert set(shown["runs"]) == {"vanilla", "fixed"} and shown["seed"] == 3
    # the baselines separate real letters from noise and collapse, as `gan coverage` shows them
    baselines = shown["baselines"]
    assert baselines["real"]["letters_covered"] > baselines["collapsed"]["letters_covered"] == 1
    assert baselines["noise"]["confident_share"] == 0 and baselines["real"]["letter_fid"] < \
        baselines["noise"]["letter_fid"]

    # every step was printed (stderr) before it ran, as the command that does it
    commands = shown["commands"]
    options = f"--data-dir {data_dir} --device cpu"
    assert commands == [
        f"gentool gan evaluator --config {layer} {options}",
        f"gentool gan train --preset demo-vanilla --config {layer} --seed 3 --out {out / 'vanilla'} {options}",
        f"gentool gan train --preset demo-fixed --config {layer} --seed 3 --out {out / 'fixed'} {options}",
        f"gentool gan coverage --run {out / 'vanilla'} {options}",
        f"gentool gan coverage --run {out / 'fixed'} {options}",
        f"gentool report {out / 'vanilla'} {out / 'fixed'} --out {out / 'report'}"]
    for line in commands:
        assert f"$ {line}" in result.stderr
    for name, preset in (("vanilla", "demo-vanilla"), ("fixed", "demo-fixed")):
        summary = json.loads((out / name / "summary.json").read_text())
        assert summary["preset"] == preset and summary["seed"] == 3 and summary["command"] == commands[
            1 if name == "vanilla" else 2]
    assert json.loads((out / "fixed" / "summary.json").read_text())["fixes"] == ["self-conditioning"]

    # the printed commands are real ones: run by hand, they do what the demo did (a run already there is refused)
    for line in commands:
        again = runner.invoke(app, line.split()[1:], env={"GENTOOL_DATA_DIR": ""})
        if " train " in line:
            assert again.exit_code == 2 and "already holds a run" in again.output, again.output
        else:
            assert again.exit_code == 0, again.output
    coverage = json.loads((out / "vanilla" / "coverage.json").read_text())
    assert coverage["model"] == shown["runs"]["vanilla"]["coverage"]

    # the page: both runs side by side, with their samples, histograms and coverage curves
    page = (out / "report" / "index.html").read_text()
    assert "Side by side" in page and page.count("letter histogram</figcaption>") == 2
    assert all(f"{name}</h3>" in page for name in ("vanilla", "fixed"))
    for image in ("samples/epoch_0001.png", "figures/coverage_histogram.png", "figures/dynamics.png"):
        assert page.count(image) >= 2

    # each run's column names the instrument that measured it, as the rest of the report does
    assert page.count("measured by letter-evaluator v") >= 2 and "(local, sha256" in page

    # one picture of both runs' last sample grids, each titled with its letters covered
    figure = out / "side_by_side.png"
    assert shown["figure"] == str(figure) and figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = Image.open(figure).size
    assert width > 1.5 * height  # two grids in a row

    # the table a person reads, with the instrument that measured it
    table = invoke(["demo", "--config", str(layer), "--seed", "3", "--out", str(tmp_path / "again"),
                    "--quiet"], data_dir)
    assert table.exit_code == 0 and table.stderr == ""
    assert all(word in table.stdout for word in ("vanilla", "fixed", "real", "noise", "collapsed", "letters covered",
                                                 "recognisable", "letter FID", "index.html", "side_by_side.png"))
    assert f"measured by letter-evaluator v{shown['instrument']['version']} (local, sha256" in table.stdout


def test_demo_refuses_an_out_folder_that_holds_its_runs(data_dir, tmp_path):
    (tmp_path / "demo" / "fixed").mkdir(parents=True)
    (tmp_path / "demo" / "fixed" / "config.yaml").write_text("{}")
    result = invoke(["demo", "--out", str(tmp_path / "demo")], data_dir)
    assert result.exit_code == 2 and "already holds fixed" in result.stderr and "Traceback" not in result.output


def test_demo_presets_differ_only_by_the_fix():
    vanilla, fixed = (gan_config_dict(resolve_gan_config(name)) for name in ("demo-vanilla", "demo-fixed"))
    assert vanilla["fixes"] == [] and fixed["fixes"] == ["self-conditioning"]
    assert {**fixed, "fixes": [], "fix_options": {}} == vanilla
    # the vanilla preset's model, optimiser and fonts; only the length and the evaluations differ
    plain = gan_config_dict(resolve_gan_config("vanilla"))
    for section in ("model", "optim", "fonts", "seed", "dataset"):
        assert vanilla[section] == plain[section]
