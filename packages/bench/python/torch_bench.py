"""PyTorch side of lossgraph's benchmarks.

Reads a JSON spec (argv[1]) naming workloads, their input files (raw little-endian float32 or
int32 written by packages/bench/src/peers/torch.ts) and the timing options, runs each workload on
one CPU thread with the same warm-up/median rule as the TypeScript harness, and prints one JSON
object on stdout: {"torch": version, "threads": n, "results": {id: {"times": [ms...]} or
{"error": message}}}.
"""
import json
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def load(spec):
    dtype = np.float32 if spec["dtype"] == "float32" else np.int32
    array = np.fromfile(spec["path"], dtype=dtype).reshape(spec["shape"])
    tensor = torch.from_numpy(array)
    return tensor.long() if spec["dtype"] == "int32" else tensor


def measure(fn, timing):
    """Same rule as harness.ts measure(): warm up, then time until budget and min runs are met."""
    now = lambda: time.perf_counter() * 1000.0
    warm_start = now()
    i = 0
    while i < timing["minWarmupRuns"] or now() - warm_start < timing["warmupMs"]:
        fn()
        i += 1
        if now() - warm_start >= timing["hardLimitMs"]:
            break
    times = []
    start = now()
    while len(times) < timing["maxRuns"]:
        t0 = now()
        fn()
        t1 = now()
        times.append(t1 - t0)
        spent = t1 - start
        if spent >= timing["hardLimitMs"]:
            break
        if spent >= timing["budgetMs"] and len(times) >= timing["minRuns"]:
            break
    return times


def loss_step(inputs, kind, params):
    """Forward and backward of one loss w.r.t. the prediction, reading the gradient back."""
    pred = inputs[0].clone().requires_grad_(True)
    label = inputs[1]

    def step():
        pred.grad = None
        if kind == "softmax_ce":
            loss = F.cross_entropy(pred, label, reduction="sum")
        elif kind == "sigmoid_bce":
            loss = F.binary_cross_entropy_with_logits(pred, label, reduction="sum")
        elif kind == "l2":
            loss = 0.5 * F.mse_loss(pred, label, reduction="sum")
        elif kind == "huber":
            loss = F.huber_loss(pred, label, reduction="sum", delta=params.get("rho", 1.0))
        elif kind == "ctc":
            # pred is (N, T, C) as lossgraph takes it; torch wants (T, N, C) log-probabilities.
            log_probs = F.log_softmax(pred.transpose(0, 1), dim=2)
            batch, steps = pred.shape[0], pred.shape[1]
            loss = F.ctc_loss(
                log_probs, label,
                torch.full((batch,), steps, dtype=torch.long),
                torch.full((batch,), label.shape[1], dtype=torch.long),
                blank=pred.shape[2] - 1, reduction="sum",
            )
        else:
            raise ValueError("unknown loss kind " + kind)
        loss.backward()
        pred.grad.numpy()

    return step


def training_step(model, opt, x, y):
    """One optimiser step of softmax cross-entropy on a fixed batch, the loss read back."""

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        loss.item()

    return step


def mlp_step(inputs, params):
    x, y = inputs
    sizes = params["sizes"]
    torch.manual_seed(0)
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=params.get("learningRate", 0.1))
    return training_step(model, opt, x, y)


def gru_step(inputs):
    """GRU forward and backward: gradients of sum(out * head) w.r.t. the input and every weight."""
    x, head, w_ih, w_hh, b_ih, b_hh = inputs
    gru = torch.nn.GRU(x.shape[2], w_hh.shape[1])
    with torch.no_grad():
        for p, value in zip((gru.weight_ih_l0, gru.weight_hh_l0, gru.bias_ih_l0, gru.bias_hh_l0), (w_ih, w_hh, b_ih, b_hh)):
            p.copy_(value)
    x = x.clone().requires_grad_(True)

    def step():
        gru.zero_grad()
        x.grad = None
        (gru(x)[0] * head).sum().backward()
        x.grad.numpy()

    return step


def conv2d_step(inputs, params):
    """One conv2d forward and both gradients of its sum, read back."""
    x = inputs[0].clone().requires_grad_(True)
    w = inputs[1].clone().requires_grad_(True)
    padding = int(params.get("padding", 0))

    def step():
        x.grad = None
        w.grad = None
        F.conv2d(x, w, padding=padding).sum().backward()
        x.grad.numpy()
        w.grad.numpy()

    return step


def digits_cnn_step(inputs, params):
    """One Adam step of the pnpm digits-cnn net on a fixed batch."""
    x, y = inputs
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(16, 32, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(128, 10),
    )
    opt = torch.optim.Adam(model.parameters(), lr=params.get("learningRate", 0.003))
    return training_step(model, opt, x, y)


def scalar_add(params):
    a = torch.tensor(1.0, requires_grad=True)
    repeats = params["repeats"]

    def step():
        for _ in range(repeats):
            a + 1.0

    return step


def scalar_chain(params):
    """A chain of `length` recorded scalar adds, then backward to its start, the gradient read."""
    length = params["length"]

    def step():
        a = torch.tensor(1.0, requires_grad=True)
        x = a
        for _ in range(length):
            x = x + 1.0
        x.backward()
        a.grad.item()

    return step


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    torch.set_num_threads(1)
    results = {}
    for work in spec["workloads"]:
        try:
            inputs = [load(i) for i in work.get("inputs", [])]
            kind = work["kind"]
            params = work.get("params", {})
            if kind == "mlp_step":
                fn = mlp_step(inputs, params)
            elif kind == "scalar_add":
                fn = scalar_add(params)
            elif kind == "scalar_chain":
                fn = scalar_chain(params)
            elif kind == "gru":
                fn = gru_step(inputs)
            elif kind == "conv2d_step":
                fn = conv2d_step(inputs, params)
            elif kind == "digits_cnn_step":
                fn = digits_cnn_step(inputs, params)
            else:
                fn = loss_step(inputs, kind, params)
            results[work["id"]] = {"times": measure(fn, spec["timing"])}
        except Exception as error:  # reported per cell, the other workloads still run
            results[work["id"]] = {"error": "%s: %s" % (type(error).__name__, error)}
    json.dump({"torch": torch.__version__, "threads": torch.get_num_threads(), "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
