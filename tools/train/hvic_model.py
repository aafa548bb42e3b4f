"""hvic model: mean-scale hyperprior with per-layer gains (PyTorch, training side).

Architecture (spec/model-format.md is the normative description):
  y   = g_a(x)                      x: B×3×H×W on 0..1, y: B×M×H/16×W/16
  y_g = y ⊙ gain_y(β_y)             per-channel gain (Cui et al., CVPR 2021)
  z   = h_a(y),  z_g = z ⊙ gain_z(β_z)
  ẑ_g = round(z_g)                  coded with a learned factorized density (Ballé 2018, app. 6.1)
  μ', log2σ' = h_s(ẑ_g ⊘ gain_z)    entropy parameters of the *ungained* y (Minnen 2018)
  with a channel context (model format v2), y is split into channel slices y_0 .. y_{G−1}
  coded in order; for s ≥ 1 a context network adds to the h_s parameters of slice s:
  (Δμ', Δlog2σ') = c_s(ŷ'_0 .. ŷ'_{s−1}, μ'_s, log2σ'_s)   ŷ' = ŷ_g ⊘ gain_y, already decoded
  (channel-conditional entropy model, Minnen & Singh, ICIP 2020; uneven slices as in ELIC,
  He et al., CVPR 2022). c_s's last layer starts at zero, so a model without context is
  its starting point.
  μ = μ' ⊙ gain_y, σ = 2^log2σ' ⊙ gain_y
  ŷ_g = round(y_g − μ) + μ          coded as round(y_g − μ) with a zero-mean Gaussian
  x̂   = g_s(ŷ_g ⊘ gain_y)

g_s and h_s use 3×3 convolutions followed by pixel shuffle (sub-pixel convolution), which can
represent any 5×5 stride-2 transposed convolution and trains ~2× faster on this CPU.
The layers of g_a, h_a, g_s, h_s and of the context networks are the table of architecture.py.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from architecture import FLOAT_TRANSFORMS, context_net, transforms

SCALE_MIN = 0.11
SCALE_MAX = 256.0
LIKELIHOOD_MIN = 1e-9


class GDN(nn.Module):
    """Generalized divisive normalization (Ballé et al., ICLR 2016).

    y_i = x_i / sqrt(β_i + Σ_j γ_ij x_j²); inverse=True gives IGDN (multiply instead).
    β and γ are kept non-negative by squaring a parameter (with a small pedestal for β).
    """

    def __init__(self, ch, inverse=False):
        super().__init__()
        self.inverse = inverse
        self.beta_p = nn.Parameter(torch.ones(ch))
        self.gamma_p = nn.Parameter(torch.eye(ch) * math.sqrt(0.1))

    def params(self):
        beta = self.beta_p.pow(2).clamp_min(1e-6)
        gamma = self.gamma_p.pow(2)
        return beta, gamma

    def forward(self, x):
        beta, gamma = self.params()
        c = x.shape[1]
        norm = F.conv2d(x * x, gamma.view(c, c, 1, 1), beta)
        return x * torch.sqrt(norm) if self.inverse else x * torch.rsqrt(norm)


def conv(cin, cout, k, stride=1):
    return nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2)


class SubpelConv(nn.Module):
    """k×k convolution to r²·cout channels followed by pixel shuffle ×r: B×cin×H×W → B×cout×rH×rW."""

    def __init__(self, cin, cout, k, r):
        super().__init__()
        self.conv = conv(cin, cout * r * r, k)
        self.r = r

    def forward(self, x):
        return F.pixel_shuffle(self.conv(x), self.r)


def build(layers):
    """nn.Sequential of a layer table (architecture.py): module i is layer i."""
    def module(layer):
        if layer.kind == "conv":
            return conv(layer.cin, layer.cout, layer.k, layer.factor)
        if layer.kind == "subpel":
            return SubpelConv(layer.cin, layer.cout, layer.k, layer.factor)
        if layer.kind in ("gdn", "igdn"):
            return GDN(layer.cin, inverse=layer.kind == "igdn")
        assert layer.kind == "relu", layer.kind
        return nn.ReLU()
    return nn.Sequential(*(module(layer) for layer in layers))


def conv_key(transform, i, layer):
    """State-dict prefix of the convolution of layer i (a conv or subpel layer) of a transform."""
    return f"{transform}.{i}.conv" if layer.kind == "subpel" else f"{transform}.{i}"


class FactorizedDensity(nn.Module):
    """Per-channel learned univariate density for z (Ballé et al. 2018, appendix 6.1).

    cdf_logits(v) returns the logit of the cumulative c(v); the likelihood of an integer bin is
    c(v+½) − c(v−½).
    """

    def __init__(self, ch, filters=(3, 3, 3, 3), init_scale=10.0):
        super().__init__()
        f = (1,) + tuple(filters) + (1,)
        scale = init_scale ** (1 / (len(filters) + 1))
        self.mats, self.biases, self.factors = nn.ParameterList(), nn.ParameterList(), nn.ParameterList()
        for i in range(len(filters) + 1):
            init = math.log(math.expm1(1 / scale / f[i + 1]))
            self.mats.append(nn.Parameter(torch.full((ch, f[i + 1], f[i]), init)))
            self.biases.append(nn.Parameter(torch.rand(ch, f[i + 1], 1) - 0.5))
            if i < len(filters):
                self.factors.append(nn.Parameter(torch.zeros(ch, f[i + 1], 1)))

    def cdf_logits(self, v):
        """v: C×1×K (values per channel) → logits C×1×K."""
        logits = v
        for i, mat in enumerate(self.mats):
            logits = torch.matmul(F.softplus(mat), logits) + self.biases[i]
            if i < len(self.factors):
                logits = logits + torch.tanh(self.factors[i]) * torch.tanh(logits)
        return logits

    def likelihood(self, z):
        """z: B×C×H×W (noisy or rounded) → per-element likelihood of its unit bin."""
        b, c, h, w = z.shape
        v = z.permute(1, 0, 2, 3).reshape(c, 1, -1)
        lower = self.cdf_logits(v - 0.5)
        upper = self.cdf_logits(v + 0.5)
        sign = -torch.sign(lower + upper).detach()
        lik = torch.abs(torch.sigmoid(sign * upper) - torch.sigmoid(sign * lower))
        return lik.reshape(c, b, h, w).permute(1, 0, 2, 3).clamp_min(LIKELIHOOD_MIN)


def gaussian_likelihood(v, sigma):
    """P(round(v) bin) under N(0, σ²) on the unit bin centred at v."""
    half = 0.5
    sigma = sigma.clamp_min(SCALE_MIN)
    v = v.abs()
    upper = 0.5 * torch.erfc((v - half) / (sigma * math.sqrt(2)))
    lower = 0.5 * torch.erfc((v + half) / (sigma * math.sqrt(2)))
    return (upper - lower).clamp_min(LIKELIHOOD_MIN)


def ctx_slices_of(sd):
    """The channel slices of the context model of state dict sd, or None without one."""
    if "ctx_slices" in sd:
        return tuple(int(v) for v in sd["ctx_slices"].tolist())
    return None


def permute_y_channels(sd, perm):
    """A copy of state dict sd (a model without context) whose y channels are reordered: new
    channel i is old channel perm[i]. The model computes the same function; only the order in
    which y's channels are coded changes."""
    sd = dict(sd)
    M = len(perm)
    t = transforms(sd["log_gain_z"].shape[1], M)
    y_out = conv_key("g_a", len(t["g_a"]) - 1, t["g_a"][-1])  # the convolutions writing y
    for k in (y_out + ".weight", y_out + ".bias"):
        sd[k] = sd[k][perm]
    for name in ("g_s", "h_a"):  # the convolutions reading y
        k = conv_key(name, 0, t[name][0]) + ".weight"
        sd[k] = sd[k][:, perm]
    both = torch.cat([perm, perm + M])  # h_s's last convolution writes μ' then ln σ' of y
    params = conv_key("h_s", len(t["h_s"]) - 1, t["h_s"][-1])
    for k in (params + ".weight", params + ".bias"):
        sd[k] = sd[k][both]
    sd["log_gain_y"] = sd["log_gain_y"][:, perm]
    return sd


def ste_round(x):
    return x + (torch.round(x) - x).detach()


# β levels, level 0 the largest β (lowest rate): 9 levels spaced by about 2x, from about 0.15 to
# 1.6 bpp on Kodak. (Models trained before 2026-11-22 had only the last 7.)
DEFAULT_BETAS = (2222.2, 1111.1, 555.6, 285.7, 149.3, 76.9, 40.0, 20.7, 10.7)


# Channel slices of y for the context model (ELIC's uneven 16/16/32/64/64 of M = 192) and
# the width of the context networks' hidden layers.
CTX_SLICES = (16, 16, 32, 64, 64)
CTX_HIDDEN = 96


class ChannelContext(nn.Module):
    """Context networks c_1 .. c_{G−1} (architecture.context_net: three 3×3 convolutions with
    ReLU between), from the ŷ' of the previous slices and slice s's h_s parameters (μ', log2σ')
    to additive corrections of those parameters. Inputs and outputs are in the units of the
    ungained y (log2 for σ), which the integer version of spec/model-format.md §3.6 quantizes."""

    def __init__(self, slices, hidden=CTX_HIDDEN):
        super().__init__()
        self.slices = tuple(slices)
        self.layers = [context_net(sum(slices[:s]) + 2 * slices[s], hidden, 2 * slices[s])
                       for s in range(1, len(slices))]  # of nets[s − 1]
        self.nets = nn.ModuleList()
        for layers in self.layers:
            net = build(layers)
            nn.init.zeros_(net[-1].weight)
            nn.init.zeros_(net[-1].bias)
            self.nets.append(net)

    def bounds(self):
        """(start, end) channel of each slice."""
        out, c = [], 0
        for k in self.slices:
            out.append((c, c + k))
            c += k
        return out


class HyperpriorModel(nn.Module):
    """Mean-scale hyperprior with per-layer gain vectors for variable rate and an optional
    channel context (ctx_slices)."""

    def __init__(self, N=128, M=192, betas=DEFAULT_BETAS, ctx_slices=None, ctx_hidden=CTX_HIDDEN):
        super().__init__()
        self.N, self.M = N, M
        self.ctx = ChannelContext(ctx_slices, ctx_hidden) if ctx_slices else None
        self.bf16_transforms = False
        self.register_buffer("betas", torch.tensor(betas, dtype=torch.float32))
        if ctx_slices:
            assert sum(ctx_slices) == M, "the context slices must cover y's M channels"
            self.register_buffer("ctx_slices", torch.tensor(ctx_slices, dtype=torch.int32))
        L = len(betas)
        self.layers = transforms(N, M)
        # this order of construction fixes the random initialisation and the state dict's order
        self.g_a = build(self.layers["g_a"])
        self.g_s = build(self.layers["g_s"])
        self.h_a = build(self.layers["h_a"])
        self.h_s = build(self.layers["h_s"])
        self.density_z = FactorizedDensity(N)
        # Log gains per β level (level 0 = highest β = lowest rate). Initialised so that higher
        # rate levels have larger gains (finer effective quantization).
        init = torch.linspace(-1.0, 1.0, L)
        self.log_gain_y = nn.Parameter(init[:, None].repeat(1, M))
        self.log_gain_z = nn.Parameter(0.5 * init[:, None].repeat(1, N))

    @classmethod
    def from_state_dict(cls, sd):
        """A model with the N, M and β levels of the state dict sd, loaded from it."""
        model = cls(N=sd["log_gain_z"].shape[1], M=sd["log_gain_y"].shape[1], betas=tuple(sd["betas"].tolist()),
                    ctx_slices=ctx_slices_of(sd),
                    ctx_hidden=sd["ctx.nets.0.0.weight"].shape[0] if "ctx.nets.0.0.weight" in sd else CTX_HIDDEN)
        model.load_state_dict(sd)
        return model

    def load_resampling_levels(self, sd):
        """Load sd, whose β levels may differ from this model's: each of this model's levels takes
        the log gains of sd's level with the same β, or those interpolated (or extrapolated from
        the nearest two levels) linearly in log β. A state dict without a channel context loads
        into a model with one (which then starts from its zero-output context). Returns True
        when the levels differed."""
        old = sd["betas"].double().log()
        new = self.betas.double().log()
        strict = not (self.ctx is not None and ctx_slices_of(sd) is None)
        if old.shape == new.shape and torch.equal(old, new):
            self._load(sd, strict)
            return False
        sd = dict(sd)
        order = torch.argsort(old)  # ascending log β
        xs = old[order]
        for name in ("log_gain_y", "log_gain_z"):
            ys = sd[name].double()[order]
            rows = []
            for lb in new:
                i = int(torch.searchsorted(xs, lb).clamp(1, len(xs) - 1))
                t = (lb - xs[i - 1]) / (xs[i] - xs[i - 1])
                rows.append((1 - t) * ys[i - 1] + t * ys[i])
            sd[name] = torch.stack(rows).to(sd[name].dtype)
        sd["betas"] = self.betas.clone()
        self._load(sd, strict)
        return True

    def _load(self, sd, strict):
        missing, unexpected = self.load_state_dict(sd, strict=strict)
        bad = [k for k in missing if not k.startswith("ctx")] + list(unexpected)
        if bad:
            raise RuntimeError(f"state dict does not fit the model: {bad[:5]}")

    def f16_weights(self):
        """The conv weights of g_a, h_a and g_s, in the model file's order: it stores these as fp16
        (spec §3.1)."""
        return [m.weight for name in FLOAT_TRANSFORMS for m in getattr(self, name).modules()
                if isinstance(m, nn.Conv2d)]

    def round_f16_weights_(self):
        """Round f16_weights() to fp16 values in place, so that the model is exactly the one its
        exported file holds. Training ends with this; resuming trains on from the rounded values."""
        with torch.no_grad():
            for w in self.f16_weights():
                w.copy_(w.half().float())

    def gains(self, log_gain, pos):
        """Exponential interpolation of gains at fractional level positions pos (B,)."""
        L = log_gain.shape[0]
        pos = pos.clamp(0, L - 1)
        lo = pos.floor().long().clamp(max=L - 2)
        t = (pos - lo.float())[:, None]
        lg = (1 - t) * log_gain[lo] + t * log_gain[lo + 1]
        return torch.exp(lg)[:, :, None, None]

    def beta_at(self, pos):
        """β at fractional level positions (log-linear interpolation between levels)."""
        lb = torch.log(self.betas)
        L = lb.shape[0]
        pos = pos.clamp(0, L - 1)
        lo = pos.floor().long().clamp(max=L - 2)
        t = pos - lo.float()
        return torch.exp((1 - t) * lb[lo] + t * lb[lo + 1])

    def transform_precision(self, x):
        """Context for g_a and g_s: bf16 autocast when self.bf16_transforms is set (training only;
        on CPUs with AMX, oneDNN then runs the convolutions on its bf16 tiles), else fp32. The
        entropy path (h_a, h_s, likelihoods) stays fp32 either way."""
        return torch.autocast(x.device.type, dtype=torch.bfloat16, enabled=self.bf16_transforms)

    def hyper_params(self, z_hat_g, gz):
        """Ungained (μ', log2σ') of all of y from h_s."""
        p = self.h_s(z_hat_g / gz)
        mu_u, log_sigma_u = p.chunk(2, dim=1)
        return mu_u, log_sigma_u / math.log(2)

    def code_y(self, y_g, mu_u, ls_u, gy, training):
        """Quantizes y_g slice by slice (one slice without a context): returns ŷ_g and the
        likelihoods of y. mu_u, ls_u: h_s's ungained parameters; gy: y gains B×M×1×1."""
        slices = self.ctx.bounds() if self.ctx is not None else [(0, self.M)]
        y_hats, liks, prev = [], [], []
        for s, (c0, c1) in enumerate(slices):
            mu_s, ls_s, g = mu_u[:, c0:c1], ls_u[:, c0:c1], gy[:, c0:c1]
            if s > 0:
                d = self.ctx.nets[s - 1](torch.cat(prev + [mu_s, ls_s], dim=1))
                mu_s = mu_s + d[:, :c1 - c0]
                ls_s = ls_s + d[:, c1 - c0:]
            mu = mu_s * g
            sigma = torch.exp2(ls_s) * g
            r = y_g[:, c0:c1] - mu
            if training:
                lik = gaussian_likelihood(r + torch.empty_like(r).uniform_(-0.5, 0.5), sigma)
                y_hat = ste_round(r) + mu
            else:
                q = torch.round(r)
                lik = gaussian_likelihood(q, sigma)
                y_hat = q + mu
            y_hats.append(y_hat)
            liks.append(lik)
            prev.append(y_hat / g)
        return torch.cat(y_hats, dim=1), torch.cat(liks, dim=1)

    def forward(self, x, pos_y, pos_z, training=True):
        """x: B×3×H×W on 0..1; pos_y/pos_z: B fractional β-level positions.

        Returns x̂, likelihoods of y and z (per element).
        """
        gy = self.gains(self.log_gain_y, pos_y)
        gz = self.gains(self.log_gain_z, pos_z)
        with self.transform_precision(x):
            y = self.g_a(x).float()
        y_g = y * gy
        z_g = self.h_a(y) * gz
        if training:
            z_noisy = z_g + torch.empty_like(z_g).uniform_(-0.5, 0.5)
            lik_z = self.density_z.likelihood(z_noisy)
            z_hat = ste_round(z_g)
        else:
            z_hat = torch.round(z_g)
            lik_z = self.density_z.likelihood(z_hat)
        mu_u, ls_u = self.hyper_params(z_hat, gz)
        y_hat, lik_y = self.code_y(y_g, mu_u, ls_u, gy, training)
        with self.transform_precision(x):
            x_hat = self.g_s(y_hat / gy).float()
        return x_hat, lik_y, lik_z
