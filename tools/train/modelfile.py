"""hvic model file (spec/model-format.md): reader, writer and the Python reference codec path.

The reference reproduces exactly what the C codec computes on the integer parts (gains, h_s,
scale indices, means) and, up to float rounding, the float transforms g_a, h_a, g_s.
Integer convolutions are evaluated in float64, which is exact because every partial sum stays
below 2^53 (the exporter bounds |acc| < 2^31).
"""
import math
import struct
import zlib

import numpy as np
import torch
import torch.nn.functional as F
import zstandard

from architecture import CONV_KINDS, FILE_TENSORS, FLOAT_TRANSFORMS, INT_CONV_TENSORS, context_net, transforms

MAGIC = b"HVMD"
VERSION = 2  # newest; a file without a channel context (ctx.slices) is written as version 1
DTYPES = {0: np.float32, 1: np.float16, 2: np.int32, 3: np.int16, 4: np.uint8}
DTYPE_CODES = {np.dtype(v): k for k, v in DTYPES.items()}
GAIN_POS_ONE = 4096  # gain positions are in units of 1/4096 level


# ---------------------------------------------------------------- file I/O
def write_model(path, tensors):
    """tensors: list of (name, ndarray) in file order. Returns the model digest (CRC-32 of file)."""
    out = [struct.pack("<I", len(tensors))]
    for name, arr in tensors:
        arr = np.ascontiguousarray(arr)
        code = DTYPE_CODES[arr.dtype]
        nb = name.encode("ascii")
        out.append(struct.pack("<B", len(nb)) + nb + struct.pack("<BB", code, arr.ndim))
        out.append(struct.pack("<%dI" % arr.ndim, *arr.shape))
        out.append(arr.astype(arr.dtype.newbyteorder("<"), copy=False).tobytes())
    payload = b"".join(out)
    # Level 1: the f16 weights are mostly noise to zstd, so level 19 saves only 5 % of the file
    # (11.40 against 11.99 MB for the default model) but decodes 2.8x slower at every model load.
    frame = zstandard.ZstdCompressor(level=1, write_checksum=True).compress(payload)
    version = 2 if any(name == "ctx.slices" for name, _ in tensors) else 1
    data = MAGIC + struct.pack("<IQI", version, len(payload), zlib.crc32(payload)) + frame
    with open(path, "wb") as f:
        f.write(data)
    return zlib.crc32(data)


def read_model(path):
    """Returns (dict name → ndarray, digest). Raises ValueError on a damaged or foreign file."""
    data = open(path, "rb").read()
    if len(data) < 20 or data[:4] != MAGIC:
        raise ValueError(f"{path}: not an hvic model file")
    version, size, crc = struct.unpack_from("<IQI", data, 4)
    if not 1 <= version <= VERSION:
        raise ValueError(f"{path}: unsupported model version {version}")
    payload = zstandard.ZstdDecompressor().decompress(data[20:], max_output_size=size)
    if len(payload) != size or zlib.crc32(payload) != crc:
        raise ValueError(f"{path}: model payload damaged")
    (count,), off, tensors = struct.unpack_from("<I", payload, 0), 4, {}
    for _ in range(count):
        n = payload[off]
        name = payload[off + 1:off + 1 + n].decode("ascii")
        off += 1 + n
        code, ndim = payload[off], payload[off + 1]
        off += 2
        shape = struct.unpack_from("<%dI" % ndim, payload, off)
        off += 4 * ndim
        dt = np.dtype(DTYPES[code]).newbyteorder("<")
        nbytes = int(np.prod(shape, dtype=np.int64)) * dt.itemsize
        tensors[name] = np.frombuffer(payload, dt, int(np.prod(shape)), off).reshape(shape).astype(dt.newbyteorder("="))
        off += nbytes
    if off != len(payload):
        raise ValueError(f"{path}: trailing bytes in model payload")
    return tensors, zlib.crc32(data)


# ---------------------------------------------------------------- integer helpers (spec §3.2)
def floor_div_pow2(a, s):
    """floor(a / 2^s) for int64 tensors."""
    return torch.div(a, 1 << s, rounding_mode="floor")


def exp2_q16(v, table):
    """v: int64 tensor (Q16 log2) → int64 tensor Q16 of 2^(v/65536), as spec/model-format.md §3.2."""
    out = []
    for x in v.reshape(-1).tolist():
        k = x >> 16  # Python's >> is floor division by 2^16
        t = int(table[(x - (k << 16)) >> 6])
        if k >= 14:
            out.append(t << (k - 14))
        elif 14 - k > 62:
            out.append(0)
        else:
            sh = 14 - k
            out.append((t + (1 << (sh - 1))) >> sh)
    return torch.tensor(out, dtype=torch.int64).reshape(v.shape)


def gain_level(L, p):
    """Level l and fraction f (0..4096) of gain position p among L levels (spec §3.2)."""
    l = min(p >> 12, L - 2)
    return l, p - 4096 * l


def interp_log_gain(G, p):
    """G: int64 L×C log2 gains (Q16); p: gain position (int, 1/4096 level) → int64 C (Q16)."""
    l, f = gain_level(G.shape[0], p)
    return G[l] + floor_div_pow2((G[l + 1] - G[l]) * f, 12)


def beta_to_position(betas, beta):
    """Encoder-side map from a user β to a gain position (log-linear in β, clamped to range)."""
    lb = np.log(np.asarray(betas, dtype=np.float64))
    b = math.log(beta)
    if b >= lb[0]:
        return 0
    if b <= lb[-1]:
        return (len(lb) - 1) * GAIN_POS_ONE
    l = int(np.searchsorted(-lb, -b, side="right")) - 1
    t = (lb[l] - b) / (lb[l] - lb[l + 1])
    return int(round((l + t) * GAIN_POS_ONE))


# ---------------------------------------------------------------- reference model
class ReferenceModel:
    """Functional forward of a model file (spec/model-format.md) in PyTorch, CPU, layer by layer
    from the architecture table (architecture.py)."""

    def __init__(self, tensors):
        self.t = tensors
        self.N, self.M, self.L, self.S = (int(v) for v in tensors["arch"])
        self.betas = tensors["betas"].astype(np.float64)
        self.exp2_table = torch.from_numpy(tensors["exp2.table"].astype(np.int64))
        self.Gy = torch.from_numpy(tensors["gain_y.log2"].astype(np.int64))
        self.Gz = torch.from_numpy(tensors["gain_z.log2"].astype(np.int64))
        self.A = int(tensors["h_s.act_max"][0])
        self.layers = transforms(self.N, self.M)
        self.f = {k: torch.from_numpy(v.astype(np.float32)) for k, v in tensors.items()
                  if k.startswith(tuple(name + "." for name in FLOAT_TRANSFORMS))}

    # float transforms (spec §3.1)
    def _float(self, x, name):
        """Float transform name (g_a, h_a or g_s) on x: B×C×H×W float32."""
        for i, layer in enumerate(self.layers[name]):
            p = [self.f[f"{name}.{i}.{s}"] for s in FILE_TENSORS[layer.kind]]
            if layer.kind == "conv":
                weight, bias = p
                x = F.conv2d(x, weight, bias, stride=layer.factor, padding=layer.k // 2)
            elif layer.kind == "subpel":
                weight, bias = p
                x = F.pixel_shuffle(F.conv2d(x, weight, bias, padding=layer.k // 2), layer.factor)
            elif layer.kind in ("gdn", "igdn"):
                beta, gamma = p
                c = x.shape[1]
                norm = F.conv2d(x * x, gamma.view(c, c, 1, 1), beta)
                x = x * torch.sqrt(norm) if layer.kind == "igdn" else x * torch.rsqrt(norm)
            else:
                assert layer.kind == "relu", layer.kind
                x = F.relu(x)
        return x

    def g_a(self, x):
        """x: 1×3×H×W on 0..1 → y: 1×M×H/16×W/16."""
        return self._float(x, "g_a")

    def h_a(self, y):
        """y → z before its gain: 1×N×H/64×W/64."""
        return self._float(y, "h_a")

    def g_s(self, y):
        """ŷ / gain_y: 1×M×h×w → x̂: 1×3×16h×16w (on 0..1 before clamping)."""
        return self._float(y, "g_s")

    # gains
    def gain_y(self, p):
        lg = interp_log_gain(self.Gy, p)
        return lg, exp2_q16(lg, self.exp2_table)

    def gain_z(self, p):
        lg = interp_log_gain(self.Gz, p)
        return lg, exp2_q16(lg, self.exp2_table)

    # integer networks: h_s (spec §3.3) and the context networks (§3.6)
    def _int_conv(self, a, name, layer):
        """Integer convolution name (stride 1) with requantization: int64 B×Cin×H×W → B×Cout×H×W."""
        w, b, mult, s = (self.t[f"{name}.{suffix}"].astype(np.int64) for suffix in INT_CONV_TENSORS)
        acc = F.conv2d(a.double(), torch.from_numpy(w).double(), padding=layer.k // 2).round().long()
        acc = acc + torch.from_numpy(b).view(1, -1, 1, 1)
        s = int(s[0])
        return floor_div_pow2(acc * torch.from_numpy(mult).view(1, -1, 1, 1) + (1 << (s - 1)), s)

    def _int_net(self, a, name, layers):
        """Integer network name (layers name.i) on a: int64 B×C×H×W in −A..A; ReLU clamps to 0..A."""
        for i, layer in enumerate(layers):
            if layer.kind in CONV_KINDS:
                a = self._int_conv(a, f"{name}.{i}", layer)
                if layer.kind == "subpel":
                    a = F.pixel_shuffle(a, layer.factor)
            else:
                assert layer.kind == "relu", layer.kind
                a = a.clamp(0, self.A)
        return a

    def slices(self):
        """(first, end) channel of each channel slice of y (one slice without a context)."""
        k = self.t.get("ctx.slices")
        k = [self.M] if k is None else [int(v) for v in k]
        c = np.concatenate([[0], np.cumsum(k)])
        return [(int(c[i]), int(c[i + 1])) for i in range(len(k))]

    def h_s_raw(self, z_hat, pz):
        """h_s's output v: int64 1×2M×4h×4w, μ' (Q8) then log2 σ' (Q16) of the ungained y."""
        lgz, _ = self.gain_z(pz)
        ig = exp2_q16(int(self.t["h_s.in_log2"][0]) - lgz, self.exp2_table).view(1, -1, 1, 1)
        a = floor_div_pow2(z_hat * ig + (1 << 15), 16).clamp(-self.A, self.A)
        return self._int_net(a, "h_s", self.layers["h_s"])

    def params(self, v, c0, c1, py):
        """(idx, mu_q8) of channels c0..c1−1 from the parameters v (§3.3)."""
        lgy, gy = self.gain_y(py)
        mu = floor_div_pow2(v[:, c0:c1] * gy[c0:c1].view(1, -1, 1, 1) + (1 << 15), 16)
        lmin = int(self.t["scales.log2_min"][0])
        step = int(self.t["scales.log2_step"][0])
        ls = v[:, self.M + c0:self.M + c1]
        idx = torch.div(ls + lgy[c0:c1].view(1, -1, 1, 1) - lmin + step // 2, step, rounding_mode="floor")
        return idx.clamp(0, self.S - 1), mu

    def context(self, s, v, q, mu, py):
        """Adds the context network of slice s (§3.6) to v in place, from q and mu (int64
        1×M×H×W) of the channels before the slice."""
        (c0, c1) = self.slices()[s]
        K = c1 - c0
        lgy, _ = self.gain_y(py)
        il = int(self.t[f"ctx.{s}.in_log2"][0])
        g = exp2_q16(il - lgy[:c0], self.exp2_table).view(1, -1, 1, 1)
        g0 = int(exp2_q16(torch.tensor([il]), self.exp2_table)[0])
        a = torch.cat([floor_div_pow2((q[:, :c0] * 256 + mu[:, :c0]) * g + (1 << 23), 24),
                       floor_div_pow2(v[:, c0:c1] * g0 + (1 << 23), 24),
                       floor_div_pow2(v[:, self.M + c0:self.M + c1] * g0 + (1 << 31), 32)], dim=1)
        a = a.clamp(-self.A, self.A)
        d = self._int_net(a, f"ctx.{s}", context_net(c0 + 2 * K, self.t["ctx.1.0.weight"].shape[0], 2 * K))
        v[:, c0:c1] += d[:, :K]
        v[:, self.M + c0:self.M + c1] += d[:, K:]

    def entropy_params(self, z_hat, pz, py, y_g=None, q=None):
        """(q, idx, mu_q8), int64 1×M×4h×4w, slice by slice (§3.3, §3.6). Each slice's q is
        round(y_g − μ) from y_g (the gained y, float) or taken from q."""
        v = self.h_s_raw(z_hat, pz)
        shape = (v.shape[0], self.M) + tuple(v.shape[2:])
        qs = torch.zeros(shape, dtype=torch.int64) if q is None else q
        idx = torch.zeros(shape, dtype=torch.int64)
        mu = torch.zeros(shape, dtype=torch.int64)
        for s, (c0, c1) in enumerate(self.slices()):
            if s > 0:
                self.context(s, v, qs, mu, py)
            idx[:, c0:c1], mu[:, c0:c1] = self.params(v, c0, c1, py)
            if q is None:
                qs[:, c0:c1] = torch.round(y_g[:, c0:c1] - mu[:, c0:c1].float() / 256).long()
        return qs, idx, mu

    def h_s(self, z_hat, pz, py, q=None):
        """z_hat: int64 1×N×h×w → (idx int64 1×M×4h×4w, mu_q8 int64 same); a model with a
        channel context also needs q, the coded y integers."""
        if q is None and len(self.slices()) > 1:
            raise ValueError("a model with a channel context needs q")
        if q is None:
            q = torch.zeros(1)
        _, idx, mu = self.entropy_params(z_hat, pz, py, q=q)
        return idx, mu

    # whole path
    def analyse(self, x, py, pz):
        """x: 1×3×H×W on 0..1 (H, W multiples of 64) → (ẑ, q, idx, mu_q8) all int64."""
        return self.quantise(self.g_a(x), py, pz)

    def quantise(self, y, py, pz):
        """y = g_a(x) → (ẑ, q, idx, mu_q8) all int64, as analyse."""
        _, gy = self.gain_y(py)
        _, gz = self.gain_z(pz)
        z_hat = torch.round(self.h_a(y) * (gz.float() / 65536).view(1, -1, 1, 1)).long()
        y_g = y * (gy.float() / 65536).view(1, -1, 1, 1)
        q, idx, mu = self.entropy_params(z_hat, pz, py, y_g=y_g)
        return z_hat, q, idx, mu

    def recon_mu(self, q, idx, mu, py):
        """Means that reconstruct y (spec §3.5): mu + sign(q)·off(idx, min(|q|, K)) at py, Q8 int64."""
        r = self.t.get("y.recon")
        if r is None:
            return mu
        R = torch.from_numpy(r.astype(np.int64))
        K = R.shape[2]
        l, f = gain_level(self.L, py)
        off = floor_div_pow2(R[l] * (4096 - f) + R[l + 1] * f + 2048, 12)  # S×K
        k = q.abs().clamp(1, K) - 1
        return mu + torch.sign(q) * off[idx, k]

    def y_hat(self, q, mu, py, idx=None):
        """ŷ / gain_y, the input of g_s (float32), from q and mu; with idx, the reconstruction
        offsets of §3.5 apply."""
        if idx is not None:
            mu = self.recon_mu(q, idx, mu, py)
        _, gy = self.gain_y(py)
        return (q.float() + mu.float() / 256) / (gy.float() / 65536).view(1, -1, 1, 1)

    def synthesise(self, q, mu, py, idx=None):
        """x̂ (1×3×H×W on 0..1) from q and mu, through y_hat (same arguments)."""
        return self.g_s(self.y_hat(q, mu, py, idx))

    def z_likelihood_bits(self, z_hat):
        """Bits of ẑ under the stored z frequency tables (values outside a table: not counted)."""
        off, size, freq = self.t["z.offset"], self.t["z.size"], self.t["z.freq"].astype(np.float64)
        starts = np.concatenate([[0], np.cumsum(size)])
        bits = 0.0
        zh = z_hat[0].numpy()
        for c in range(self.N):
            f = freq[starts[c]:starts[c + 1]]
            p = f / f.sum()
            v = np.clip(zh[c] - off[c], 0, size[c] - 1)
            bits -= np.log2(p[v]).sum()
        return bits


def pad64(x):
    """Pad 1×3×H×W on the right/bottom by edge replication to multiples of 64."""
    h, w = x.shape[-2:]
    ph, pw = (-h) % 64, (-w) % 64
    return F.pad(x, (0, pw, 0, ph), mode="replicate") if ph or pw else x
