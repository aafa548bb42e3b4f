#!/usr/bin/env python3
"""Pure-Python reference of the hvic entropy layer (spec/entropy.md).

Bit-exact twin of entropy/cdf.c and entropy/rans.c, meant for the model side
(tools/train) and for cross-checking the C code:

    gaussian_cdf(sigma)            -> (offset, cdf)   like hv_cdf_gaussian
    cdf_from_freqs(offset, freqs)  -> (offset, cdf)   like hv_cdf_from_freqs
    RansEncoder / RansDecoder                          like hv_rans_*

Python floats are IEEE-754 binary64 with correctly rounded + - * /, and no
operation below is fused, so the same expressions in the same order give the
same bits as the C code. `python3 hvic_entropy_ref.py` runs a self-test that
recomputes the hash constants also checked by tests/entropy/test_cdf.c and
tests/entropy/test_rans_vectors.c; exit status 0 means the C and Python
implementations agree.
"""
import math
import struct
import sys

PRECISION = 16
TOTAL = 1 << PRECISION
MAX_NSYM = 4096
GAUSS_TAIL = 4.33
GAUSS_MAX_K = 2047
RANS_L = 1 << 23
ESC_LEN_BITS = 6
ESC_MAX_LEN = 32

INV_SQRT_2PI = float.fromhex("0x1.9884533d43651p-2")
INV_LN2 = float.fromhex("0x1.71547652b82fep+0")
LN2_HI = float.fromhex("0x1.62e42feep-1")
LN2_LO = float.fromhex("0x1.a39ef35793c76p-33")


def f32(x):
    """Round a Python float to the nearest float32 (the C API takes float)."""
    return struct.unpack("<f", struct.pack("<f", x))[0]


def _exp_nonpos(y):
    q = y * INV_LN2
    k = int(q - 0.5)
    r = (y - float(k) * LN2_HI) - float(k) * LN2_LO
    p = 1.0
    for n in range(14, 0, -1):
        p = 1.0 + (p * r) / float(n)
    return p * math.ldexp(1.0, k)  # exact power of two


def gauss_q(t):
    """Q(t) = 1 - Phi(t) as computed by hv_cdf_gauss_q."""
    if not t > 0.0:
        return 0.5
    if t >= 8.0:
        return 0.0
    tt = t * t
    term = t
    s = t
    for n in range(1, 401):
        term = (term * tt) / float(2 * n + 1)
        s = s + term
        if term <= s * 2.0 ** -60:
            break
    phi = _exp_nonpos(-0.5 * tt) * INV_SQRT_2PI
    return 0.5 - phi * s


def quantize(mass):
    """Integer masses -> frequencies >= 1 summing to 65536 (hv_cdf_quantize)."""
    n = len(mass)
    total = sum(mass)
    assert 1 <= n <= MAX_NSYM and 0 < total <= 1 << 47
    freq = [(m << PRECISION) // total for m in mass]
    rem = [(m << PRECISION) % total for m in mass]
    left = TOTAL - sum(freq)
    for i in sorted(range(n), key=lambda i: (-rem[i], i))[:left]:
        freq[i] += 1
    raised = 0
    for i in range(n):
        if freq[i] == 0:
            freq[i] = 1
            raised += 1
    for _ in range(raised):
        best = 0
        for i in range(1, n):
            if freq[i] > freq[best]:
                best = i
        freq[best] -= 1
    return freq


def _to_cdf(freq):
    cdf = [0]
    for f in freq:
        cdf.append(cdf[-1] + f)
    return cdf


def gaussian_k(sigma):
    v = GAUSS_TAIL * sigma - 0.5
    if v >= float(GAUSS_MAX_K):
        return GAUSS_MAX_K
    k = int(v)
    if float(k) < v:
        k += 1
    return k


def gaussian_cdf(sigma):
    """Returns (offset, cdf list of nsym+1 ints); nsym-1 is the ESCAPE symbol."""
    s = f32(sigma)
    assert s > 0.0 and math.isfinite(s)
    K = gaussian_k(s)
    U = []
    prev = 1 << 39
    for j in range(K + 1):
        t = (float(j) + 0.5) / s
        q = gauss_q(t)
        if q < 0.0:
            q = 0.0
        u = int(q * 2.0 ** 40 + 0.5)  # truncation of a non-negative double
        u = min(u, prev)
        U.append(u)
        prev = u
    mass = [0] * (2 * K + 2)
    mass[K] = (1 << 40) - 2 * U[0]
    for j in range(1, K + 1):
        mass[K + j] = mass[K - j] = U[j - 1] - U[j]
    mass[2 * K + 1] = 2 * U[K]
    return -K, _to_cdf(quantize(mass))


def cdf_from_freqs(offset, freqs):
    """Counts for values offset..offset+n-1; the ESCAPE (weight 0) is appended."""
    assert 1 <= len(freqs) <= MAX_NSYM - 1
    return offset, _to_cdf(quantize(list(freqs) + [0]))


class RansEncoder:
    """Queue symbols with put()/put_bits(), then finish() -> bytes."""

    def __init__(self):
        self.syms = []  # (start, freq)

    def _bits(self, bits, nbits):
        sh = PRECISION - nbits
        self.syms.append((bits << sh, 1 << sh))

    def put_bits(self, bits, nbits):
        assert 1 <= nbits <= 16 and 0 <= bits < 1 << nbits
        self._bits(bits, nbits)

    def put(self, offset, cdf, value):
        nsym = len(cdf) - 1
        lo, hi = offset, offset + nsym - 2
        if lo <= value <= hi:
            i = value - lo
            self.syms.append((cdf[i], cdf[i + 1] - cdf[i]))
            return
        self.syms.append((cdf[nsym - 1], cdf[nsym] - cdf[nsym - 1]))
        z = 2 * (value - hi - 1) if value > hi else 2 * (lo - 1 - value) + 1
        m = z + 1
        length = m.bit_length() - 1
        bits = m - (1 << length)
        self._bits(length, ESC_LEN_BITS)
        left = length
        while left > 0:
            k = min(left, 16)
            self._bits(bits & ((1 << k) - 1), k)
            bits >>= k
            left -= k

    def finish(self):
        out = bytearray()  # built reversed
        x = RANS_L
        for start, freq in reversed(self.syms):
            x_max = ((RANS_L >> PRECISION) << 8) * freq
            while x >= x_max:
                out.append(x & 0xFF)
                x >>= 8
            x = ((x // freq) << PRECISION) + (x % freq) + start
        self.syms = []
        return struct.pack("<I", x) + bytes(reversed(out))


class RansError(Exception):
    pass


class RansDecoder:
    def __init__(self, data):
        if len(data) < 4:
            raise RansError("truncated")
        self.data = bytes(data)
        self.x = struct.unpack("<I", self.data[:4])[0]
        self.pos = 4
        if not RANS_L <= self.x < 1 << 31:
            raise RansError("bad initial state")

    def _advance(self, start, freq):
        x = freq * (self.x >> PRECISION) + (self.x & (TOTAL - 1)) - start
        while x < RANS_L:
            if self.pos >= len(self.data):
                raise RansError("truncated")
            x = (x << 8) | self.data[self.pos]
            self.pos += 1
        self.x = x

    def get_bits(self, nbits):
        sh = PRECISION - nbits
        b = (self.x & (TOTAL - 1)) >> sh
        self._advance(b << sh, 1 << sh)
        return b

    def get(self, offset, cdf):
        nsym = len(cdf) - 1
        s = self.x & (TOTAL - 1)
        lo_i, hi_i = 0, nsym  # last i with cdf[i] <= s
        while hi_i - lo_i > 1:
            mid = (lo_i + hi_i) // 2
            if cdf[mid] <= s:
                lo_i = mid
            else:
                hi_i = mid
        i = lo_i
        self._advance(cdf[i], cdf[i + 1] - cdf[i])
        if i < nsym - 1:
            return offset + i
        length = self.get_bits(ESC_LEN_BITS)
        if length > ESC_MAX_LEN:
            raise RansError("bad escape length")
        bits, got = 0, 0
        while got < length:
            k = min(length - got, 16)
            bits |= self.get_bits(k) << got
            got += k
        z = (1 << length) + bits - 1
        d = z >> 1
        v = offset - 1 - d if z & 1 else offset + nsym - 1 + d
        if not -(1 << 31) <= v < 1 << 31:
            raise RansError("escape value outside int32")
        return v

    def finish(self):
        if self.pos != len(self.data) or self.x != RANS_L:
            raise RansError("stream did not end exactly")


# ---------------------------------------------------------------- self-test
FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3


def fnv1a64(data, h=FNV_OFFSET):
    for b in data:
        h = ((h ^ b) * FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
    return h


def hash_cdf(h, offset, cdf):
    """Hash (offset, nsym, cdf[0..nsym]) as little-endian 32-bit words."""
    words = [offset & 0xFFFFFFFF, len(cdf) - 1] + cdf
    return fnv1a64(struct.pack("<%dI" % len(words), *words), h)


N_LOG_SCALES = 64
# The 64 log-spaced scales exp(log(0.11) + i*(log(256)-log(0.11))/63) as
# float32, plus 6 extra scales; test_cdf.c lists the same literals.
HASH_SCALES = [
    0.109999999, 0.124404103, 0.140694365, 0.159117788, 0.179953694, 0.203517988,
    0.230167925, 0.26030758, 0.294393927, 0.332943738, 0.376541525, 0.425848305,
    0.48161158, 0.5446769, 0.616000354, 0.69666338, 0.787888944, 0.891060174,
    1.00774133, 1.13970137, 1.28894114, 1.45772338, 1.64860702, 1.8644861,
    2.10863376, 2.3847518, 2.69702649, 3.05019236, 3.44960403, 3.90131736,
    4.4121809, 4.98993969, 5.64335442, 6.38233137, 7.2180748, 8.16325569,
    9.23220444, 10.4411287, 11.8083563, 13.3546181, 15.1033573, 17.0810871,
    19.3177948, 21.8473892, 24.7082272, 27.9436798, 31.6028042, 35.7410774,
    40.4212418, 45.7142601, 51.7003746, 58.4703522, 66.1268387, 74.7859039,
    84.5788498, 95.6541443, 108.17971, 122.345459, 138.36615, 156.484695,
    176.975815, 200.150146, 226.3591, 256.0,
    0.01, 0.5, 1.0, 300.0, 1000.0, 3.0e6,
]


def from_freqs_case(t):
    """Deterministic count table number t (1..20), as in test_cdf.c."""
    n = 4095 if t == 20 else 1 + (t * t * 37 + 11) % 300
    counts = []
    for i in range(n):
        h = (i * 2654435761 + t * 40503) & 0xFFFFFFFF
        counts.append(0 if h % 5 == 0 else (h >> t) + 1)
    return t * 1000 - 5000, counts


def gauss_table_hash():
    h = FNV_OFFSET
    for s in HASH_SCALES:
        off, cdf = gaussian_cdf(s)
        h = hash_cdf(h, off, cdf)
    return h


def q_bits_hash():
    """Hash of the exact bits of gauss_q((i+0.5)/sigma) over a grid: sensitive to
    any last-bit difference (e.g. FMA contraction), unlike the table hash."""
    h = FNV_OFFSET
    for s in HASH_SCALES[:N_LOG_SCALES]:
        for j in range(64):
            h = fnv1a64(struct.pack("<d", gauss_q((float(j) + 0.5) / f32(s))), h)
    return h


def freq_table_hash():
    h = FNV_OFFSET
    for t in range(1, 21):
        off, counts = from_freqs_case(t)
        off, cdf = cdf_from_freqs(off, counts)
        h = hash_cdf(h, off, cdf)
    return h


MASK64 = 0xFFFFFFFFFFFFFFFF


class SplitMix64:
    def __init__(self, seed):
        self.s = seed

    def next(self):
        self.s = (self.s + 0x9E3779B97F4A7C15) & MASK64
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)


def _find(cdf, s):
    lo, hi = 0, len(cdf) - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if cdf[mid] <= s:
            lo = mid
        else:
            hi = mid
    return lo


def vector_message(tables, n=20000, seed=12345):
    """The message of test_rans_vectors.c: list of ('bits', nbits, v) or
    ('sym', table index, v)."""
    r = SplitMix64(seed)
    out = []
    for _ in range(n):
        a = r.next()
        if a % 17 == 0:
            nbits = 1 + (a >> 8) % 16
            out.append(("bits", nbits, (a >> 20) & ((1 << nbits) - 1)))
            continue
        t = (a >> 8) % len(tables)
        off, cdf = tables[t]
        u = r.next()
        idx = _find(cdf, (u >> 16) & 0xFFFF)
        nsym = len(cdf) - 1
        if u % 251 == 0:
            v = u >> 32
            v = v - (1 << 32) if v >= 1 << 31 else v
        elif idx + 1 < nsym:
            v = off + idx
        else:
            d = (u >> 40) % 1000
            K = -off
            v = K + 1 + d if (u >> 39) & 1 else -K - 1 - d
        out.append(("sym", t, v))
    return out


# Constants also recorded in test_cdf.c and test_rans_vectors.c.
GAUSS_TABLE_HASH = 0xA3B138EB8B94A6DA
FREQ_TABLE_HASH = 0xC1422E6F821E9BE8
Q_BITS_HASH = 0x884E67C3D7FF5077
VEC_LEN = 12940
VEC_HASH = 0xBC3FDB35418EBE6B


def main():
    ok = True
    h = gauss_table_hash()
    print("gaussian table hash 0x%016x" % h)
    ok &= h == GAUSS_TABLE_HASH
    h = q_bits_hash()
    print("Q(t) bits hash      0x%016x" % h)
    ok &= h == Q_BITS_HASH
    h = freq_table_hash()
    print("count table hash    0x%016x" % h)
    ok &= h == FREQ_TABLE_HASH

    tables = [gaussian_cdf(s) for s in HASH_SCALES]
    msg = vector_message(tables)
    enc = RansEncoder()
    for kind, a, v in msg:
        if kind == "bits":
            enc.put_bits(v, a)
        else:
            enc.put(tables[a][0], tables[a][1], v)
    data = enc.finish()
    h = fnv1a64(data)
    print("vector: %d bytes, hash 0x%016x" % (len(data), h))
    ok &= len(data) == VEC_LEN and h == VEC_HASH
    dec = RansDecoder(data)
    for kind, a, v in msg:
        got = dec.get_bits(a) if kind == "bits" else dec.get(tables[a][0], tables[a][1])
        if got != v:
            print("decode mismatch: got %d want %d" % (got, v))
            ok = False
            break
    dec.finish()
    # truncated stream must fail
    try:
        d2 = RansDecoder(data[:-1])
        for kind, a, v in msg:
            d2.get_bits(a) if kind == "bits" else d2.get(tables[a][0], tables[a][1])
        d2.finish()
        print("truncated stream was accepted")
        ok = False
    except RansError:
        pass
    print("hvic_entropy_ref self-test:", "passed" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
