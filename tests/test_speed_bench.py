"""The speed benchmarks' instruments: FLOP counting and the GPU benchmark script (run here on the CPU)."""

import json

import pytest
import torch

from benchmarks import gpu
from benchmarks.roofline import counted_flops


def test_counted_flops_are_two_per_multiply_add_forward_and_backward():
    layer = torch.nn.Linear(10, 20)
    inputs = torch.randn(4, 10, requires_grad=True)
    assert counted_flops(lambda: layer(inputs)) == 2 * 4 * 10 * 20
    # backward: the gradient of the input and of the weight, each as large as the forward matmul
    assert counted_flops(lambda: layer(inputs).sum().backward()) == 3 * 2 * 4 * 10 * 20


def test_the_gpu_benchmark_refuses_a_missing_gpu_in_one_line(capsys):
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(SystemExit) as exit_info:
        gpu.main(["--steps", "1"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "sees no CUDA GPU" in err


def test_the_gpu_benchmark_measures_every_batch_size_and_precision(tiny_config_file, data_dir, capsys):
    result = gpu.main(["--device", "cpu", "--batch-sizes", "16", "32", "--steps", "2", "--config",
                       str(tiny_config_file), "--data-dir", str(data_dir), "--json", "--workers", "0"])
    printed = json.loads(capsys.readouterr().out)
    assert printed["rows"] == result["rows"]
    assert [(r["batch_size"], r["precision"]) for r in result["rows"]] == [
        (16, "fp32"), (16, "bf16"), (32, "fp32"), (32, "bf16")]
    for row in result["rows"]:
        assert row["images_per_s"] > 0 and 0 < row["efficiency"] < 1 and row["achieved_gflop_s"] > 0


def test_a_torch_compile_failure_is_a_row_of_the_table_not_a_traceback(tiny_config_file, data_dir, capsys,
                                                                         monkeypatch):
    class Broken(torch.nn.Module):  # what torch 2.11's inductor did on an H100: fail inside the training step
        def forward(self, *args):
            raise AssertionError("expected size 64==64, stride 196==1 at dim=1\nand more lines")

    monkeypatch.setattr(gpu.torch, "compile", lambda module: Broken())
    result = gpu.main(["--device", "cpu", "--batch-sizes", "16", "--steps", "2", "--precision", "fp32", "--compile",
                       "--config", str(tiny_config_file), "--data-dir", str(data_dir), "--workers", "0"])
    eager, compiled = result["rows"]
    assert eager["images_per_s"] > 0 and not eager["compiled"]
    assert compiled["compiled"] and "images_per_s" not in compiled
    assert compiled["compile_error"] == "AssertionError: expected size 64==64, stride 196==1 at dim=1"
    out = capsys.readouterr().out
    assert "failed: AssertionError" in out
