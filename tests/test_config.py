from pathlib import Path

import pytest
import yaml

from gentool.config import load_yaml_file, parse_set_overrides
from gentool.errors import ConfigError, UsageError
from gentool.gan.config import build_gan_config, gan_config_dict, read_saved_gan_config, resolve_gan_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "c.yaml"
    path.write_text(text)
    return path


def test_precedence_preset_config_flags_set(tmp_path):
    preset_only = resolve_gan_config("vanilla")
    assert preset_only.train.epochs == 50 and preset_only.fixes == []

    config_file = write(tmp_path, "train: {epochs: 7, batch_size: 32}\noptim: {lr: 1.0e-3}\n")
    from_file = resolve_gan_config("vanilla", str(config_file))
    assert (from_file.train.epochs, from_file.train.batch_size, from_file.optim.lr) == (7, 32, 1e-3)
    assert from_file.optim.beta1 == 0.5  # untouched keys keep the preset's values

    with_flags = resolve_gan_config("vanilla", str(config_file), {"train.epochs": 9, "optim.lr": None})
    assert with_flags.train.epochs == 9 and with_flags.optim.lr == 1e-3  # None = flag not given

    with_set = resolve_gan_config("vanilla", str(config_file), {"train.epochs": 9}, ["train.epochs=11"])
    assert with_set.train.epochs == 11 and with_set.train.batch_size == 32


def test_feature_matching_preset_is_vanilla_plus_feature_matching_with_resolved_options():
    config = resolve_gan_config("feature-matching")
    assert config.fixes == ["feature-matching"]
    assert config.fix_options["feature-matching"] == {"weight": 1.0, "adversarial_weight": 0.0}
    assert gan_config_dict(config) == {**gan_config_dict(resolve_gan_config("vanilla")), "fixes": config.fixes,
                                       "fix_options": config.fix_options}


def test_fixed_preset_is_the_self_conditioned_recipe_its_comment_names():
    """`fixed` is the recipe measured at 26/26 letters in 5 of 5 seeds: self-conditioning on 104 clusters, R1 gamma 1,
    label smoothing 0.9, lr falling to 0.02 x 2e-4, batch 32, weight average 0.999, 50 epochs, the letters' auto
    precision (bf16 on the machine that measured it)."""
    config = resolve_gan_config("fixed")
    assert config.fixes == ["self-conditioning", "r1", "label-smoothing"]
    assert config.fix_options == {"self-conditioning": {"clusters": 104, "pool": 2, "iterations": 30},
                                  "r1": {"gamma": 1.0}, "label-smoothing": {"real_target": 0.9}}
    assert (config.optim.lr, config.optim.final_lr_ratio) == (2e-4, 0.02)
    assert (config.train.batch_size, config.train.g_ema, config.train.epochs) == (32, 0.999, 50)
    assert config.train.precision == "auto" and config.dataset == "fonts" and not config.model.conditional
    # everything else is the vanilla preset's
    vanilla, fixed = gan_config_dict(resolve_gan_config("vanilla")), gan_config_dict(config)
    assert {key: value for key, value in fixed.items() if key not in ("fixes", "fix_options", "optim", "train")} == \
        {key: value for key, value in vanilla.items() if key not in ("fixes", "fix_options", "optim", "train")}


def test_set_values_are_parsed_as_yaml_and_1e_minus_4_is_a_number():
    overrides = parse_set_overrides(["optim.lr=1e-4", "model.z_dim=64", "train.sample_epochs=[1, 2]",
                                     "model.conditional=true"])
    config = resolve_gan_config("vanilla", assignments=["optim.lr=1e-4", "model.z_dim=64"])
    assert overrides["train"]["sample_epochs"] == [1, 2] and overrides["model"]["conditional"] is True
    assert config.optim.lr == pytest.approx(1e-4) and config.model.z_dim == 64


def test_resolved_config_round_trips_through_yaml():
    config = resolve_gan_config("fixed", flags={"train.epochs": 3, "seed": 5})
    again = build_gan_config(yaml.safe_load(yaml.safe_dump(gan_config_dict(config))))
    assert again == config


@pytest.mark.parametrize("assignment, key, words", [
    ("optim.lrr=0.1", "optim.lrr", ["did you mean 'lr'", "allowed keys under 'optim'"]),
    ("trian.epochs=3", "trian", ["did you mean 'train'"]),
    ("train.epochs=-3", "train.epochs", ["must be >= 1"]),
    ("train.epochs=ten", "train.epochs", ["expected a whole number"]),
    ("optim.lr=0", "optim.lr", ["must be > 0"]),
    ("fonts.split_by=fonts", "fonts.split_by", ["allowed values: family, face"]),
    ("fixes=[feature-matchin]", "fixes[0]", ["did you mean 'feature-matching'", "available fixes"]),
    ("fix_options.feature-matching.wieght=2", "fix_options.feature-matching.wieght", ["did you mean 'weight'"]),
    ("device=tpu", "device", ["allowed values"]),
    ("train.sample_epochs=5", "train.sample_epochs", ["expected a list"]),
])
def test_bad_values_name_the_key_and_the_allowed_values(assignment, key, words):
    with pytest.raises(ConfigError) as caught:
        resolve_gan_config("vanilla", assignments=[assignment])
    assert caught.value.key == key
    for word in words:
        assert word in str(caught.value)
    assert "\n" not in str(caught.value)


def test_unknown_preset_lists_the_available_ones():
    with pytest.raises(UsageError, match=r"unknown gan preset 'fixd' \(did you mean 'fixed'\?\); available presets: "
                                         r"demo-fixed, demo-vanilla, feature-matching, fixed, infogan, "
                                         r"label-smoothing, letters-infogan-r1-ls, minibatch-discrimination, "
                                         r"pacgan, pacgan-protocol, points-cpu-budget, points-r1-ls, "
                                         r"points-r1-ls-ema, points-r1-ls-nobn, quick, r1, self-conditioning, "
                                         r"spectral-norm, tiny, unrolled, vanilla, wgan-gp"):
        resolve_gan_config("fixd")


def test_malformed_yaml_names_the_file_and_line(tmp_path):
    path = write(tmp_path, "train:\n  epochs: [1, 2\n")
    with pytest.raises(UsageError, match=r"not valid YAML at line \d+"):
        load_yaml_file(path)


@pytest.mark.parametrize("text, words", [("- 1\n- 2\n", "must hold a mapping"), ("", None)])
def test_yaml_that_is_not_a_mapping(tmp_path, text, words):
    path = write(tmp_path, text)
    if words is None:
        assert load_yaml_file(path) == {}
    else:
        with pytest.raises(UsageError, match=words):
            load_yaml_file(path)


def test_missing_config_file(tmp_path):
    with pytest.raises(UsageError, match="does not exist"):
        resolve_gan_config("vanilla", str(tmp_path / "nope.yaml"))


@pytest.mark.parametrize("assignment", ["novalue", "=3", "a..b=1"])
def test_malformed_set(assignment):
    with pytest.raises(UsageError, match="key.sub=value"):
        parse_set_overrides([assignment])


def test_a_single_string_is_a_list_of_one_for_a_list_of_strings_key():
    from gentool.vae.family import resolve_vae_config

    assert resolve_vae_config("default", assignments=["drums.midi_dirs=my_midi"]).drums.midi_dirs == ["my_midi"]
    with pytest.raises(UsageError, match="expected a list"):  # a number is not read as a list of one
        resolve_gan_config("vanilla", assignments=["train.sample_epochs=3"])


def test_saved_configs_read_under_the_current_section_names_and_user_configs_do_not():
    from gentool.groove.config import read_saved_groove_config, resolve_groove_config
    from gentool.rbm.config import read_saved_rbm_config, resolve_rbm_config

    saved = gan_config_dict(resolve_gan_config("quick"))
    saved["data"] = saved.pop("fonts")  # a run folder written when the letters' section was `data`
    assert read_saved_gan_config(saved).fonts.samples_per_glyph == 12
    assert read_saved_gan_config(gan_config_dict(resolve_gan_config("quick"))).fonts.samples_per_glyph == 12
    assert read_saved_rbm_config({"data": {"seed": 3}}).fonts.seed == 3
    with pytest.raises(ConfigError, match="allowed keys: .*fonts"):  # what a user gives uses today's names
        resolve_rbm_config("default", assignments=["data.seed=3"])
    assert read_saved_groove_config({"data": {"max_file_share": 0.8}}).drums.max_file_share == 0.8
    with pytest.raises(ConfigError, match="the section is 'drums' now"):
        resolve_groove_config("default", assignments=["data.max_file_share=0.8"])


def test_an_old_section_name_in_what_a_user_gives_is_refused_with_its_new_name():
    with pytest.raises(ConfigError, match="'data': unknown key \\(the section is 'fonts' now; run folders that say "
                                          "'data' still open as they are\\)"):
        resolve_gan_config("vanilla", assignments=["data.seed=1"])
