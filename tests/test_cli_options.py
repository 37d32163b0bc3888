"""The command line's options: help drawn right for every command, config options read from the config, old
option names kept, and a CLI that answers --help and shell completion without importing torch."""

import os
import re
import subprocess
import sys

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from gentool.cli.app import app

runner = CliRunner()
HEAVY = ("torch", "matplotlib", "scipy", "numpy")


def every_command() -> list[list[str]]:
    paths = [[]]
    for name, command in get_command(app).commands.items():
        paths.append([name])
        paths += [[name, sub] for sub in getattr(command, "commands", {})]
    return paths


def help_of(path: list[str]) -> str:
    result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "100"})
    assert result.exit_code == 0, (path, result.output)
    return result.stdout


@pytest.mark.parametrize("path", every_command(), ids=lambda path: " ".join(path) or "gentool")
def test_help_has_no_placeholder_for_a_flag_no_python_types_and_one_bracket_per_option(path):
    text = help_of(path)
    for bad in ("<bool>", "<list[", "range>", "((", "(the preset", "(the run", "]  ["):
        assert bad not in text, (path, bad)
    # one range per option: the range typer would print again after a default the help gives
    assert not re.search(r"\d<=x<=\d+\]\s+\[\d", text), path


def test_every_option_says_what_it_is():
    def commands(command, path):
        for name, sub in getattr(command, "commands", {}).items():
            yield from commands(sub, [*path, name])
        yield path, command

    for path, command in commands(get_command(app), []):
        for param in command.params:
            if not getattr(param, "hidden", False):
                assert param.help and not param.help.startswith("["), (path, param.name)


def test_config_options_take_help_choices_range_and_default_from_the_config():
    text = " ".join(help_of(["gan", "train"]).split())
    assert "--dataset [fonts|ring8|grid25] Letters (fonts) or a 2-D mixture of Gaussians." in text
    assert "[default: the preset's train.batch_size; 2<=x<=65536]" in text
    assert text.count("4294967295") == 1  # the seed's range, once
    assert "--device [auto|cpu|cuda|mps]" in text and "--precision [fp32|bf16|auto]" in text
    assert "--conditional / --unconditional" in text and "--tensorboard / --no-tensorboard" in text
    assert "[default: the run's evaluation.samples; 26<=x<=1000000]" in " ".join(help_of(["gan", "coverage"]).split())
    drums = " ".join(help_of(["data", "drums"]).split())
    assert "[default: 250; 0<=x<=100000]" in drums and "--grammar / --no-grammar" in drums


def test_a_family_with_a_config_class_per_task_declares_options_from_each():
    import dataclasses

    from gentool.mcmc.config import McmcConfig
    from gentool.mcmc.family import MCMC_TASKS
    from gentool.vae.config import VaeConfig
    from gentool.vae.family import VAE_TASKS

    vae = " ".join(help_of(["vae", "train"]).split())
    assert "--dataset [drums|fonts]" in vae and "[default: the preset's drums.midi_dirs; repeatable]" in vae
    # free_bits is a section that one number sets whole: a number, with its fields' range
    assert "--free-bits <float>" in vae and "[default: the preset's free_bits; 0.0<=x<=100.0]" in vae
    mcmc = " ".join(help_of(["mcmc", "sample"]).split())
    assert "--dataset [ring8|grid25|ising]" in mcmc and "--size <int>" in mcmc and "--leapfrog <int>" in mcmc
    # the shared base names every task, so --dataset offers what the task sets pick from
    for base, tasks in ((VaeConfig, VAE_TASKS), (McmcConfig, MCMC_TASKS)):
        field = {field.name: field for field in dataclasses.fields(base)}[tasks.key]
        assert tuple(field.metadata["choices"]) == tasks.values


@pytest.mark.parametrize("old, new, help_path", [
    (["mcmc", "sample", "--target", "gibs"], ["mcmc", "sample", "--dataset", "gibs"], ["mcmc", "sample"]),
    (["gan", "compare", "nowhere", "--figure", "x.png"], ["gan", "compare", "nowhere", "--out", "x.png"],
     ["gan", "compare"]),
    (["rbm", "sample", "--run", "nowhere", "--gibbs", "0"], ["rbm", "sample", "--run", "nowhere", "--steps", "0"],
     ["rbm", "sample"]),
    (["gan", "benchmark", "--fonts-preset", "vanila"], ["gan", "benchmark", "--preset", "vanila"],
     ["gan", "benchmark"])])
def test_an_old_option_name_still_works_and_is_not_listed(old, new, help_path):
    before, after = runner.invoke(app, old), runner.invoke(app, new)
    assert before.exit_code == after.exit_code == 2 and before.stderr == after.stderr
    assert f"--{old[-2].lstrip('-')} " not in help_of(help_path)


def test_an_unknown_option_value_gets_the_configs_message():
    result = runner.invoke(app, ["mcmc", "sample", "--dataset", "ring9"])
    assert result.exit_code == 2 and "config key 'target'" in result.stderr and "did you mean 'ring8'" in result.stderr


def run_gentool(env: dict, *args: str) -> subprocess.CompletedProcess:
    code = "import sys; from gentool.cli.app import main; sys.argv[0] = 'gentool'; main()"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=60)


def complete(words: str) -> list[str]:
    cword = len(words.split()) - (0 if words.endswith(" ") else 1)
    result = run_gentool({"_GENTOOL_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(cword)})
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_shell_completion_offers_options_and_their_values():
    assert "--device" in complete("gentool gan train --dev")
    assert complete("gentool gan train --device ") == ["auto", "cpu", "cuda", "mps"]
    assert complete("gentool gan train --precision b") == ["bf16"]
    assert complete("gentool gan train --fix pa") == ["pacgan"]
    assert "ring8" in complete("gentool em fit --dataset ")
    assert "vanilla" in complete("gentool gan train --preset va")
    assert complete("gentool sweep gan --executor ") == ["local", "ray"]
    assert complete("gentool vae sample --style j") == ["jazz"]


def test_help_and_completion_import_none_of_torch_matplotlib_scipy_numpy():
    probe = (f"import sys, runpy; sys.argv = ['gentool', *sys.argv[1:]]\n"
             f"try:\n    runpy.run_module('gentool', run_name='__main__')\n"
             f"except SystemExit:\n    pass\n"
             f"print('HEAVY', sorted(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)")
    for args, env in ((["--help"], {}), (["gan", "train", "--help"], {}), (["vae", "train", "--help"], {}),
                      (["mcmc", "sample", "--help"], {}), (["demo", "--help"], {}),
                      ([], {"_GENTOOL_COMPLETE": "complete_bash", "COMP_WORDS": "gentool gan train --dev",
                            "COMP_CWORD": "3"})):
        result = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True,
                                env={**os.environ, **env}, timeout=60)
        assert "HEAVY []" in result.stderr, (args, result.stderr[-500:])


def test_importing_the_app_imports_no_heavy_module():
    result = subprocess.run([sys.executable, "-c", f"import sys, gentool.cli.app; "
                                                   f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"],
                            capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr
