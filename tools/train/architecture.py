"""The hvic architecture as one table: the layers of g_a, h_a, g_s, h_s and of the channel
context's networks (spec/model-format.md §3.1, §3.3, §3.6 are the normative description).

The training model (hvic_model.py) builds its nn.Sequential modules from it, the reference
(modelfile.py) runs its forward from it and the exporter (export.py) names the model file's
tensors from it. Layer i of transform t is module i of the model's nn.Sequential t (state-dict
keys t.i.<parameter>, t.i.conv.<parameter> for a subpel layer) and layer t.i of the model file,
whose tensors are t.i.<suffix> for the suffixes FILE_TENSORS[kind] (a float transform) or
INT_CONV_TENSORS (a convolution of an integer network).
"""
from typing import NamedTuple

# Float transforms, in the order the model file stores them (spec §3.1); h_s and the context
# networks are integer networks (§3.3, §3.6).
FLOAT_TRANSFORMS = ("g_a", "h_a", "g_s")

# Layer kinds that hold a convolution, and the model file's tensor suffixes of each kind in a
# float transform: weight [Cout][Cin][k][k] (f16), bias [Cout] (f32); GDN beta [C], gamma [C][C].
CONV_KINDS = ("conv", "subpel")
FILE_TENSORS = {"conv": ("weight", "bias"), "subpel": ("weight", "bias"),
                "gdn": ("beta", "gamma"), "igdn": ("beta", "gamma"), "relu": ()}
# Tensor suffixes of a convolution of an integer network (§3.3): weight i16, bias, mult i32 [Cout],
# shift i32 [1].
INT_CONV_TENSORS = ("weight", "bias", "mult", "shift")


class Layer(NamedTuple):
    """One layer, cin → cout channels.

    kind: "conv" (k×k cross-correlation, zero padding k//2, stride `factor`: H×W → H/factor×W/factor),
    "subpel" (k×k conv, stride 1, to factor²·cout channels, then pixel shuffle ×factor:
    H×W → factor·H×factor·W), "gdn", "igdn" (cin = cout = C, spec §3.1) or "relu".
    """
    kind: str
    cin: int
    cout: int
    k: int = 0
    factor: int = 1


def conv(cin, cout, k, stride=1):
    return Layer("conv", cin, cout, k, stride)


def subpel(cin, cout):
    """3×3 convolution then pixel shuffle ×2 (any 5×5 stride-2 transposed convolution)."""
    return Layer("subpel", cin, cout, 3, 2)


def gdn(c):
    return Layer("gdn", c, c)


def igdn(c):
    return Layer("igdn", c, c)


def relu(c):
    return Layer("relu", c, c)


def transforms(N, M):
    """{name: layers} of the four transforms for N channels in g_a/g_s/h_a/h_s and z, M channels of y.

    g_a: B×3×H×W image on 0..1 → B×M×H/16×W/16 (y); h_a: y → B×N×H/64×W/64 (z before its gain);
    h_s: ẑ → B×2M×H/16×W/16 (μ' in channels 0..M−1, ln σ' in M..2M−1 in the float model); g_s: y → image.
    """
    return {
        "g_a": (conv(3, N, 5, 2), gdn(N), conv(N, N, 5, 2), gdn(N), conv(N, N, 5, 2), gdn(N), conv(N, M, 5, 2)),
        "h_a": (conv(M, N, 3), relu(N), conv(N, N, 5, 2), relu(N), conv(N, N, 5, 2)),
        "g_s": (subpel(M, N), igdn(N), subpel(N, N), igdn(N), subpel(N, N), igdn(N), subpel(N, 3)),
        "h_s": (subpel(N, N), relu(N), subpel(N, 3 * M // 2), relu(3 * M // 2), conv(3 * M // 2, 2 * M, 3)),
    }


def context_net(cin, hidden, cout):
    """The layers of one context network c_s (spec §3.6): cin = c_s + 2·K_s channels (ŷ' of the
    slices before s, then μ', log2 σ' of slice s) → cout = 2·K_s (Δμ', Δlog2 σ'), at y's resolution.
    Model file names ctx.s.i, state-dict keys ctx.nets.(s−1).i."""
    return (conv(cin, hidden, 3), relu(hidden), conv(hidden, hidden, 3), relu(hidden), conv(hidden, cout, 3))


def relu_indices(layers):
    """Indices of the ReLU layers: the activations an integer network clamps to 0..act_max."""
    return [i for i, layer in enumerate(layers) if layer.kind == "relu"]
