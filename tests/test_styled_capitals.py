"""The letter evaluator's extra letter material (version 5): script fonts that never leak a held-out face; and its
reject bias."""

from types import SimpleNamespace

import pytest
import torch
from test_fonts import script_capitals_font

from gentool.datasets.font_faces import matplotlib_font_dir
from gentool.datasets.styled_capitals import SCRIPT_CAPITAL, find_script_font, script_fonts, styled_capitals_in
from gentool.evaluate.letters import NOT_A_LETTER, LetterClassifier

STIX = matplotlib_font_dir() / "STIXGeneral.ttf"


def split_of(*faces: tuple) -> SimpleNamespace:
    """A stand-in for a FontDataset: only its face records (file, family, split) matter here."""
    return SimpleNamespace(faces=[{"name": f"{family} Regular", "family": family, "file": str(path), "source": "test",
                                   "split": split} for path, family, split in faces])


def test_a_script_font_is_refused_when_it_would_leak_a_held_out_face(tmp_path):
    copied = script_capitals_font(tmp_path)  # STIX's script capitals at A-Z: a held-out face that copies them
    fonts = script_fonts([str(STIX)], split_of((copied, "Copied Script", "val")))
    assert not fonts.used and "near copy of the held-out Copied Script Regular" in fonts.refused[0]["reason"]
    same_family = script_fonts([str(STIX)], split_of((matplotlib_font_dir() / "STIXGeneralItalic.ttf", "STIXGeneral",
                                                      "val")))
    assert not same_family.used and "family STIXGeneral is held out" in same_family.refused[0]["reason"]
    missing = script_fonts(["NoSuchScriptFont.ttf"], split_of((copied, "Copied Script", "val")))
    assert not missing.used and missing.refused[0]["reason"].startswith("not found")


def test_an_unrelated_script_font_gives_its_script_capitals_only():
    fonts = script_fonts([str(STIX)], split_of((matplotlib_font_dir() / "cmsy10.ttf", "cmsy10", "val")))
    assert [font["family"] for font in fonts.used] == ["STIXGeneral"] and not fonts.refused
    letters = {letter for _, letter in styled_capitals_in(STIX, SCRIPT_CAPITAL)}
    assert fonts.used[0]["capitals"] > 26 and letters == set(range(26))  # two script alphabets, no double-struck


@pytest.mark.skipif(find_script_font("DejaVuMathTeXGyre.ttf") is None, reason="fonts-dejavu-extra not installed")
def test_the_default_script_font_is_not_a_copy_of_cmsy10():
    fonts = script_fonts(["DejaVuMathTeXGyre.ttf"], split_of((matplotlib_font_dir() / "cmsy10.ttf", "cmsy10", "val")))
    assert fonts.used and fonts.used[0]["capitals"] >= 52  # two script alphabets


def test_the_reject_bias_moves_images_out_of_and_into_the_reject_class():
    model = LetterClassifier().eval()
    images = torch.rand(32, 1, 28, 28) * 2 - 1
    with torch.no_grad():
        model.reject_bias.fill_(100.0)
        assert (model(images).argmax(1) != NOT_A_LETTER).all()
        model.reject_bias.fill_(-100.0)
        logits, features = model.logits_and_features(images)
    assert (logits.argmax(1) == NOT_A_LETTER).all() and features.shape == (32, LetterClassifier.FEATURES)
    assert "reject_bias" not in model.state_dict()  # saved beside the weights, so older checkpoints still load
