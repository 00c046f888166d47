"""Pure-Python twins of the arithmetic-coding kernels (codelength/coders/_range.pyx,
_rans.pyx, _adaptive.pyx): plain builtins only.

Every function here computes exactly what its kernel computes (bit-identical payloads), with Python
integers masked to the widths the C code uses. They are slow (about 0.1-0.5 MB/s) and are the
definition the kernels are tested against and the baseline the benchmarks compare with.

Coders
------
* Range coder: 64-bit ``low``, 56-bit ``range`` kept in [2**48, 2**56) by byte-wise renormalisation,
  carries resolved with a cached byte and a count of pending 0xFF bytes (as in LZMA's rc, widened).
  A symbol with cumulative frequency ``c`` and frequency ``f`` under total ``T`` narrows the range to
  ``r = range // T; low += c*r; range = f*r``. The flush writes the shortest value inside the final
  interval and drops that value's trailing zero bytes (bytes coded before the flush are kept), because
  the decoder reads zeros past the end. The decoder runs 7 bytes ahead of the encoder, so on a valid
  stream it never reads more than ``RC_SLACK = 7`` bytes past the end; reading more means the payload
  ran out, and it refuses the stream.
* rANS: 32-bit states in [2**23, 2**31), byte-wise renormalisation, ``streams`` interleaved states
  (symbol i uses state i % streams). Payload = the final states (4 bytes each, little-endian,
  state 0 first) followed by the renormalisation bytes in decoding order.
* Wide rANS (``RANS_WIDE`` = 32 states, the 32x16 layout): 32-bit states in [2**15, 2**31), 16-bit
  renormalisation (at most one word per symbol), totals up to 2**15; symbol i uses state i % 32.
  Payload = the 32 final states (4 bytes each, little-endian) followed by the 16-bit little-endian
  renormalisation words in decoding order.
* Binary adaptive coder: the same range coder with ``bound = (range >> 16) * p1`` where ``p1`` is
  the 16-bit probability of a 1 bit.
"""

M32 = 0xFFFFFFFF
M64 = 0xFFFFFFFFFFFFFFFF

RC_TOP = 1 << 56          # range < RC_TOP
RC_BOT = 1 << 48          # renormalise while range < RC_BOT
RC_INIT_BYTES = 7         # the decoder primes its 56-bit code register with 7 bytes
RC_SLACK = RC_INIT_BYTES  # the most bytes a valid stream's decoder reads past the payload's end

RANS_L = 1 << 23          # rANS state interval [RANS_L, RANS_L << 8)
RANS_WIDE = 32            # states of the wide rANS (32x16 layout)
RANS16_L = 1 << 15        # wide rANS state interval [RANS16_L, RANS16_L << 16)
RANS16_MAX_BITS = 15      # largest total 2**bits of the wide rANS (RANS16_L >> bits must be exact)

# adaptive order-0 frequency model
ADAPT_INCREMENT = 32
# binary context model
PROB_BITS = 16
COUNT_LIMIT = 30
RATES = [(2 << 16) // (2 * k + 3) for k in range(COUNT_LIMIT + 1)]  # 65536 / (k + 1.5)
PROB_INIT = (1 << (PROB_BITS - 1)) << 16                             # p = 1/2, count 0


class CorruptPayload(ValueError):
    """The payload cannot be decoded (the kernels raise CorruptDataError for the same streams)."""


# --------------------------------------------------------------------------- range coder core
class RangeEncoder:
    """Byte-oriented range encoder (56-bit range, 64-bit low, carry via cache + pending bytes)."""

    def __init__(self):
        self.low = 0
        self.range = RC_TOP - 1
        self.cache = -1          # -1: no byte held yet
        self.pending = 0         # 0xFF bytes waiting for a possible carry
        self.out = bytearray()

    def _shift_low(self):
        low = self.low
        if low < (0xFF << 48) or low >= RC_TOP:
            carry = low >> 56
            if self.cache >= 0:
                self.out.append((self.cache + carry) & 0xFF)
            for _ in range(self.pending):
                self.out.append((0xFF + carry) & 0xFF)
            self.pending = 0
            self.cache = (low >> 48) & 0xFF
        else:
            self.pending += 1
        self.low = (low & (RC_BOT - 1)) << 8

    def _normalize(self):
        while self.range < RC_BOT:
            self.range <<= 8
            self._shift_low()

    def encode_shift(self, cum, freq, bits):
        """Code [cum, cum+freq) of a total 2**bits."""
        r = self.range >> bits
        self.low += cum * r
        self.range = freq * r
        self._normalize()

    def encode_total(self, cum, freq, total):
        """Code [cum, cum+freq) of any total (at most 2**24)."""
        r = self.range // total
        self.low += cum * r
        self.range = freq * r
        self._normalize()

    def encode_bit(self, p1, bit):
        """Code one bit; p1 is P(bit = 1) in units of 2**-16, 1 <= p1 < 2**16."""
        bound = (self.range >> PROB_BITS) * p1
        if bit:
            self.range = bound
        else:
            self.low += bound
            self.range -= bound
        self._normalize()

    def finish(self):
        """Write the value with the most trailing zero bits in the final interval; return the bytes."""
        low, high = self.low, self.low + self.range
        coded = len(self.out) + (self.cache >= 0) + self.pending    # bytes shifted out before the flush
        for k in range(1, RC_INIT_BYTES + 1):
            mask = (1 << (56 - 8 * k)) - 1
            value = (low + mask) & ~mask
            if value < high:
                break
        self.low = value
        for _ in range(k + 1):
            self._shift_low()
        out = self.out
        end = len(out)
        while end > coded and out[end - 1] == 0:
            end -= 1
        return bytes(out[:end])


class RangeDecoder:
    """The decoder of RangeEncoder; bytes past the end of the payload read as zeros, and reading more
    than RC_SLACK of them raises CorruptPayload."""

    def __init__(self, payload):
        self.buf = payload
        self.pos = 0
        self.range = RC_TOP - 1
        code = 0
        for _ in range(RC_INIT_BYTES):
            code = (code << 8) | self._byte()
        self.code = code
        if code >= self.range:
            raise CorruptPayload("range decoder: initial code outside the interval")
        self.r = 0

    def _byte(self):
        pos = self.pos
        self.pos = pos + 1
        return self.buf[pos] if pos < len(self.buf) else 0

    def _normalize(self):
        while self.range < RC_BOT:
            self.range <<= 8
            self.code = ((self.code << 8) | self._byte()) & M64
        if self.pos > len(self.buf) + RC_SLACK:
            raise CorruptPayload("range decoder: the payload ran out")

    def target_shift(self, bits):
        self.r = r = self.range >> bits
        t = self.code // r
        if t >> bits:
            raise CorruptPayload("range decoder: target outside the total")
        return t

    def target_total(self, total):
        self.r = r = self.range // total
        t = self.code // r
        if t >= total:
            raise CorruptPayload("range decoder: target outside the total")
        return t

    def consume(self, cum, freq):
        r = self.r
        self.code -= cum * r
        self.range = freq * r
        self._normalize()

    def decode_bit(self, p1):
        bound = (self.range >> PROB_BITS) * p1
        if self.code < bound:
            self.range = bound
            bit = 1
        else:
            self.code -= bound
            self.range -= bound
            bit = 0
        self._normalize()
        return bit


# --------------------------------------------------------------------------- static range coder
def leb128(value):
    """Unsigned LEB128 bytes of one integer."""
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def leb128_at(buf, pos):
    """(value, next position) of the LEB128 number of at most 5 bytes at buf[pos]; (None, 1) when the
    buffer ends inside it, (None, 2) when it runs past 5 bytes."""
    value = 0
    for k in range(5):
        if pos >= len(buf):
            return None, 1
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << (7 * k)
        if byte < 0x80:
            return value, pos
    return None, 2


def read_leb128(buf, pos):
    """(value, next position) of the LEB128 number at buf[pos] (at most 5 bytes)."""
    value, end = leb128_at(buf, pos)
    if value is None:
        raise CorruptPayload("truncated number" if end == 1 else "over-long number")
    return value, end


def _find(cum, freq, t):
    from bisect import bisect_right
    s = bisect_right(cum, t) - 1
    while freq[s] == 0:      # zero-frequency symbols share their cum with the next one
        s += 1
    return s


def range_encode(symbols, freq, cum, bits, streams=1):
    """Static range coding of ``symbols`` (indices into ``freq``/``cum``) under total 2**bits.

    With ``streams`` > 1, symbol i goes to stream i % streams; the payload is the LEB128 lengths of
    streams 0..streams-2, then the streams one after another.
    """
    parts = []
    for j in range(streams):
        enc = RangeEncoder()
        for s in symbols[j::streams]:
            enc.encode_shift(cum[s], freq[s], bits)
        parts.append(enc.finish())
    return b"".join(leb128(len(p)) for p in parts[:-1]) + b"".join(parts)


def split_streams(payload, streams):
    """The stream slices of a multi-stream range-coded payload."""
    pos, lengths = 0, []
    for _ in range(streams - 1):
        length, pos = read_leb128(payload, pos)
        lengths.append(length)
    parts = []
    for length in lengths:
        parts.append(payload[pos:pos + length])
        pos += length
    if pos > len(payload):
        raise CorruptPayload("stream lengths exceed the payload")
    parts.append(payload[pos:])
    return parts


def range_decode(payload, freq, cum, bits, n, streams=1):
    """Inverse of :func:`range_encode`; ``cum`` must have len(freq) + 1 entries (cum[-1] = 2**bits)."""
    if n == 0:
        return []
    decoders = [RangeDecoder(part) for part in split_streams(payload, streams)]
    out = []
    for i in range(n):
        dec = decoders[i % streams]
        t = dec.target_shift(bits)
        s = _find(cum, freq, t)
        dec.consume(cum[s], freq[s])
        out.append(s)
    return out


# --------------------------------------------------------------------------- rANS
def rans_encode(symbols, freq, cum, bits, streams):
    """Static rANS with ``streams`` interleaved 32-bit states and byte-wise renormalisation."""
    n = len(symbols)
    if n == 0:
        return b""
    states = [RANS_L] * streams
    out = bytearray()                      # renormalisation bytes, last-decoded first
    for i in range(n - 1, -1, -1):
        s = symbols[i]
        j = i % streams
        x = states[j]
        f = freq[s]
        x_max = ((RANS_L >> bits) << 8) * f
        while x >= x_max:
            out.append(x & 0xFF)
            x >>= 8
        states[j] = ((x // f) << bits) + x % f + cum[s]
    head = b"".join(x.to_bytes(4, "little") for x in states)
    out.reverse()
    return head + bytes(out)


def _rans_decode(payload, freq, cum, bits, n, streams, low, word):
    """The shape both rANS decoders share: ``streams`` states in [low, low << 8·word) read first, symbol i
    on state i % streams, renormalisation by ``word``-byte little-endian units (1: the byte-wise rANS, which
    may take several; 2: the wide rANS, at most one a symbol); every state must return to ``low`` and every
    unit be used."""
    if n == 0:
        if len(payload):
            raise CorruptPayload("rANS: payload for zero symbols")
        return []
    if len(payload) < 4 * streams or len(payload) % word:
        raise CorruptPayload("rANS: payload shorter than its initial states" + (", or of odd length" if word == 2 else ""))
    from bisect import bisect_right
    states = [int.from_bytes(payload[4 * j:4 * j + 4], "little") for j in range(streams)]
    for x in states:
        if not low <= x < (low << 8 * word):
            raise CorruptPayload("rANS: initial state out of range")
    pos = 4 * streams
    mask = (1 << bits) - 1
    out = []
    for i in range(n):
        j = i % streams
        x = states[j]
        slot = x & mask
        s = bisect_right(cum, slot) - 1
        while freq[s] == 0:
            s += 1
        x = freq[s] * (x >> bits) + slot - cum[s]
        while x < low:                     # the wide rANS's x >= 1 takes one word at most
            if pos + word > len(payload):
                raise CorruptPayload("rANS: payload ends early")
            x = (x << 8 * word) | int.from_bytes(payload[pos:pos + word], "little")
            pos += word
        states[j] = x
        out.append(s)
    if pos != len(payload) or any(x != low for x in states):
        raise CorruptPayload("rANS: stream does not end where it should")
    return out


def rans_decode(payload, freq, cum, bits, n, streams):
    """Inverse of :func:`rans_encode`; checks that every state returns to its start and every byte is used."""
    return _rans_decode(payload, freq, cum, bits, n, streams, RANS_L, 1)


def rans16_encode(symbols, freq, cum, bits):
    """Wide static rANS: ``RANS_WIDE`` interleaved states, 16-bit renormalisation, ``bits`` <= 15."""
    n = len(symbols)
    if n == 0:
        return b""
    states = [RANS16_L] * RANS_WIDE
    words = []                             # renormalisation words, last-decoded first
    for i in range(n - 1, -1, -1):
        s = symbols[i]
        j = i % RANS_WIDE
        x = states[j]
        f = freq[s]
        if x >= ((RANS16_L >> bits) << 16) * f:    # one word always suffices: x < 2**31
            words.append(x & 0xFFFF)
            x >>= 16
        states[j] = ((x // f) << bits) + x % f + cum[s]
    words.reverse()
    return (b"".join(x.to_bytes(4, "little") for x in states)
            + b"".join(w.to_bytes(2, "little") for w in words))


def rans16_decode(payload, freq, cum, bits, n):
    """Inverse of :func:`rans16_encode`; checks that every state returns to its start and every word is used."""
    return _rans_decode(payload, freq, cum, bits, n, RANS_WIDE, RANS16_L, 2)


# --------------------------------------------------------------------------- adaptive order-0
def adaptive_limit(k):
    """Total at which the adaptive order-0 model halves its counts (k = alphabet size)."""
    return min(max(1 << 16, 8 * k), 1 << 24)


class FenwickModel:
    """Adaptive frequencies of k symbols (start 1 each, +ADAPT_INCREMENT per use, halved at the limit)."""

    def __init__(self, k):
        self.k = k
        self.freq = [1] * k
        self.total = k
        self.limit = adaptive_limit(k)
        self.top = 1
        while self.top * 2 <= k:
            self.top *= 2
        self._rebuild()

    def _rebuild(self):
        k = self.k
        tree = [0] + self.freq[:]
        for j in range(1, k + 1):
            parent = j + (j & -j)
            if parent <= k:
                tree[parent] += tree[j]
        self.tree = tree

    def cum(self, s):
        total, j, tree = 0, s, self.tree
        while j > 0:
            total += tree[j]
            j -= j & -j
        return total

    def find(self, t):
        """Symbol s with cum(s) <= t < cum(s+1), and cum(s)."""
        pos, rest, mask, tree, k = 0, t, self.top, self.tree, self.k
        while mask:
            nxt = pos + mask
            if nxt <= k and tree[nxt] <= rest:
                pos = nxt
                rest -= tree[nxt]
            mask >>= 1
        return pos, t - rest

    def update(self, s):
        self.freq[s] += ADAPT_INCREMENT
        self.total += ADAPT_INCREMENT
        j, tree, k = s + 1, self.tree, self.k
        while j <= k:
            tree[j] += ADAPT_INCREMENT
            j += j & -j
        if self.total > self.limit:
            self.freq = [(f + 1) >> 1 for f in self.freq]
            self.total = sum(self.freq)
            self._rebuild()


def adaptive0_encode(symbols, k):
    """Adaptive order-0 coding of symbol indices below k."""
    enc = RangeEncoder()
    model = FenwickModel(k)
    for s in symbols:
        enc.encode_total(model.cum(s), model.freq[s], model.total)
        model.update(s)
    return enc.finish()


def adaptive0_decode(payload, k, n):
    if n == 0:
        return []
    dec = RangeDecoder(payload)
    model = FenwickModel(k)
    out = []
    for _ in range(n):
        t = dec.target_total(model.total)
        s, c = model.find(t)
        dec.consume(c, model.freq[s])
        model.update(s)
        out.append(s)
    return out


# --------------------------------------------------------------------------- binary context model
def context_hash(context, order):
    """32-bit hash of an order-k context (the last k bytes, most recent in the low byte)."""
    h = ((context + 1) * 0x9E3779B1 ^ (order * 0x85EBCA6B)) & M32
    h ^= h >> 15
    h = (h * 0x2C1B3C6D) & M32
    h ^= h >> 13
    return h


def nibble_hash(h, node):
    """Hash of the context hash and the high nibble (node = 16 + nibble) for the low-nibble tree."""
    h = ((h ^ (node * 0x27D4EB2F)) * 0x165667B1) & M32
    return h ^ (h >> 15)


def _update(table, i, bit):
    e = table[i]
    p = e >> 16
    k = e & 0xFFFF
    rate = RATES[k]
    if bit:
        p += ((65536 - p) * rate) >> 16
    else:
        p -= (p * rate) >> 16
    if k < COUNT_LIMIT:
        k += 1
    table[i] = (p << 16) | k


def context_encode(data, order, table_bits):
    """Adaptive order-k context model for bytes: 8 binary decisions per byte, MSB first.

    Each nibble has a 15-node binary tree; its 16-entry block of counters lives at a hashed slot
    (context, and for the low nibble also the high nibble) in a table of 2**table_bits counters
    (32-bit: probability of a 1 in the high 16 bits, a use count in the low bits). A counter
    moves towards each bit by 1/(count + 1.5), the count capped at COUNT_LIMIT.
    """
    enc = RangeEncoder()
    table = [PROB_INIT] * (1 << table_bits)
    shift = 32 - (table_bits - 4)
    cmask = M32 if order >= 4 else (1 << (8 * order)) - 1
    history = 0
    for byte in data:
        h = context_hash(history & cmask, order)
        base = (h >> shift) << 4
        node = 1
        for j in (7, 6, 5, 4):
            bit = (byte >> j) & 1
            i = base + node
            enc.encode_bit(table[i] >> 16, bit)
            _update(table, i, bit)
            node = 2 * node + bit
        base = (nibble_hash(h, node) >> shift) << 4
        node = 1
        for j in (3, 2, 1, 0):
            bit = (byte >> j) & 1
            i = base + node
            enc.encode_bit(table[i] >> 16, bit)
            _update(table, i, bit)
            node = 2 * node + bit
        history = ((history << 8) | byte) & M32
    return enc.finish()


def context_decode(payload, order, table_bits, n):
    if n == 0:
        return b""
    dec = RangeDecoder(payload)
    table = [PROB_INIT] * (1 << table_bits)
    shift = 32 - (table_bits - 4)
    cmask = M32 if order >= 4 else (1 << (8 * order)) - 1
    history = 0
    out = bytearray()
    for _ in range(n):
        h = context_hash(history & cmask, order)
        base = (h >> shift) << 4
        node = 1
        for _j in range(4):
            i = base + node
            bit = dec.decode_bit(table[i] >> 16)
            _update(table, i, bit)
            node = 2 * node + bit
        high = node - 16
        base = (nibble_hash(h, node) >> shift) << 4
        node = 1
        for _j in range(4):
            i = base + node
            bit = dec.decode_bit(table[i] >> 16)
            _update(table, i, bit)
            node = 2 * node + bit
        byte = (high << 4) | (node - 16)
        out.append(byte)
        history = ((history << 8) | byte) & M32
    return bytes(out)


# --------------------------------------------------------------------------- mixing context model
_SQUASH_POINTS = [1, 2, 3, 6, 10, 16, 27, 45, 73, 120, 194, 310, 488, 747, 1101, 1546, 2047, 2549, 2994,
                  3348, 3607, 3785, 3901, 3975, 4024, 4050, 4068, 4079, 4085, 4089, 4092, 4093, 4094]


def squash(d):
    """4096 / (1 + exp(-d / 256)) by interpolation, clamped to [1, 4095] (lpaq's table)."""
    if d > 2047:
        return 4095
    if d < -2047:
        return 1
    w = d & 127
    i = (d >> 7) + 16
    return (_SQUASH_POINTS[i] * (128 - w) + _SQUASH_POINTS[i + 1] * w + 64) >> 7


def _stretch_table():
    table = [0] * 4096
    pi = 0
    for x in range(-2047, 2048):
        v = squash(x)
        for i in range(pi, v + 1):
            table[i] = x
        pi = v + 1
    for i in range(pi, 4096):
        table[i] = 2047
    return table


STRETCH = _stretch_table()          # ln(p / (1 - p)) * 256 for a 12-bit p, the inverse of squash
MIX_WEIGHT_INIT = 22000             # of 65536: each input starts at about a third
MIX_SHIFT = 12                      # learning rate: w += stretch * err >> MIX_SHIFT
MIX_WEIGHT_LIMIT = 1 << 22          # weights are clamped to +-64.0


class MixingPredictor:
    """Predict bits of bytes from orders 0..k mixed in the logistic domain.

    Each order has its nibble-tree counters in the shared table (hashed with the order); a weight set
    per tree node (256 sets of k+1 weights, 16.16 fixed point) mixes their stretched probabilities:
    ``p = squash(sum_i w_i * stretch(p_i) >> 16)``; after each bit ``w_i += stretch(p_i) * err >> 12``
    with ``err = (bit << 12) - p``, clamped to +-2**22. The coder gets ``p << 4`` (16 bits).
    """

    def __init__(self, order, table_bits):
        self.order = order
        self.inputs = order + 1
        self.table = [PROB_INIT] * (1 << table_bits)
        self.shift = 32 - (table_bits - 4)
        self.weights = [MIX_WEIGHT_INIT] * (256 * self.inputs)
        self.history = 0
        self.hashes = [0] * self.inputs
        self.bases = [0] * self.inputs
        self._new_byte()

    def _new_byte(self):
        for o in range(self.inputs):
            ctx = self.history & (M32 if o >= 4 else (1 << (8 * o)) - 1)
            h = context_hash(ctx, o)
            self.hashes[o] = h
            self.bases[o] = (h >> self.shift) << 4

    def start_low_nibble(self, node):
        for o in range(self.inputs):
            self.bases[o] = (nibble_hash(self.hashes[o], node) >> self.shift) << 4

    def predict(self, node):
        """16-bit P(bit = 1) at tree node ``node`` (1..15 within the nibble; ``full`` node for weights)."""
        self.slots = [self.bases[o] + node for o in range(self.inputs)]
        self.stretched = [STRETCH[(self.table[i] >> 16) >> 4] for i in self.slots]
        return self.stretched

    def mix(self, wnode):
        k = self.inputs
        base = wnode * k
        w = self.weights
        dot = 0
        for o in range(k):
            dot += w[base + o] * self.stretched[o]
        self.p12 = squash(dot >> 16)
        return self.p12 << 4

    def update(self, wnode, bit):
        k = self.inputs
        base = wnode * k
        err = (bit << 12) - self.p12
        w = self.weights
        for o in range(k):
            v = w[base + o] + ((self.stretched[o] * err) >> MIX_SHIFT)
            w[base + o] = MIX_WEIGHT_LIMIT if v > MIX_WEIGHT_LIMIT else (-MIX_WEIGHT_LIMIT if v < -MIX_WEIGHT_LIMIT else v)
        for i in self.slots:
            _update(self.table, i, bit)

    def end_byte(self, byte):
        self.history = ((self.history << 8) | byte) & M32
        self._new_byte()


def mix_encode(data, order, table_bits):
    """Adaptive context mixing of orders 0..order over bytes (see MixingPredictor)."""
    enc = RangeEncoder()
    model = MixingPredictor(order, table_bits)
    for byte in data:
        node = 1
        for j in (7, 6, 5, 4):
            bit = (byte >> j) & 1
            model.predict(node)
            enc.encode_bit(model.mix(node), bit)
            model.update(node, bit)
            node = 2 * node + bit
        model.start_low_nibble(node)
        full = node
        node = 1
        for j in (3, 2, 1, 0):
            bit = (byte >> j) & 1
            model.predict(node)
            enc.encode_bit(model.mix(full), bit)
            model.update(full, bit)
            node = 2 * node + bit
            full = 2 * full + bit
        model.end_byte(byte)
    return enc.finish()


def mix_decode(payload, order, table_bits, n):
    if n == 0:
        return b""
    dec = RangeDecoder(payload)
    model = MixingPredictor(order, table_bits)
    out = bytearray()
    for _ in range(n):
        node = 1
        for _j in range(4):
            model.predict(node)
            bit = dec.decode_bit(model.mix(node))
            model.update(node, bit)
            node = 2 * node + bit
        model.start_low_nibble(node)
        full = node
        node = 1
        for _j in range(4):
            model.predict(node)
            bit = dec.decode_bit(model.mix(full))
            model.update(full, bit)
            node = 2 * node + bit
            full = 2 * full + bit
        byte = full & 0xFF
        out.append(byte)
        model.end_byte(byte)
    return bytes(out)
