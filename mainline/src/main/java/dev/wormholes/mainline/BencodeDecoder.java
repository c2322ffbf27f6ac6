package dev.wormholes.mainline;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Decodes one bencoded value (BEP 3) from hostile bytes under hard {@link Limits}: total size,
 * nesting depth, items in total, and string length. Only the canonical form is accepted (integers
 * without leading zeros or {@code -0}, dictionary keys strictly increasing in raw byte order, no
 * trailing bytes), so re-encoding a decoded value gives back the input bytes exactly: BEP 44
 * signatures over {@code v} can be checked on the re-encoded form. Never throws on bad input:
 * every failure is a {@link Result.Failed} with a {@link BencodeFailure}.
 *
 * <p>Recursive descent whose depth is checked against {@link Limits#maxDepth()} before each
 * nesting, so hostile nesting cannot overflow the stack.
 */
public final class BencodeDecoder {
  /** Hard limits on one input. */
  public record Limits(int maxBytes, int maxDepth, int maxItems) {
    /** KRPC datagrams: 1500 bytes, depth 8, 512 items. */
    public static final Limits KRPC = new Limits(1500, 8, 512);
  }

  /** The outcome of a decode. */
  public sealed interface Result {
    /** The value decoded. */
    record Ok(Bencode value) implements Result {}

    /** Why the input was refused, and at which byte offset. */
    record Failed(BencodeFailure reason, int offset) implements Result {}
  }

  private final byte[] in;
  private final Limits limits;
  private int pos;
  private int items;

  private BencodeDecoder(byte[] in, Limits limits) {
    this.in = in;
    this.limits = limits;
  }

  /** Decode {@code input} as exactly one value under {@code limits}. */
  public static Result decode(byte[] input, Limits limits) {
    if (input.length > limits.maxBytes()) {
      return new Result.Failed(BencodeFailure.TOO_LARGE, limits.maxBytes());
    }
    BencodeDecoder d = new BencodeDecoder(input, limits);
    try {
      Bencode v = d.value(0);
      if (d.pos != input.length) {
        return new Result.Failed(BencodeFailure.TRAILING_DATA, d.pos);
      }
      return new Result.Ok(v);
    } catch (Refused e) {
      return new Result.Failed(e.reason, d.pos);
    }
  }

  /** Decode {@code input} under {@link Limits#KRPC}. */
  public static Result decode(byte[] input) {
    return decode(input, Limits.KRPC);
  }

  private Bencode value(int depth) throws Refused {
    if (++items > limits.maxItems()) {
      throw new Refused(BencodeFailure.TOO_MANY_ITEMS);
    }
    int c = peek();
    if (c == 'i') {
      pos++;
      return new Bencode.Int(integer('e'));
    }
    if (c >= '0' && c <= '9') {
      return new Bencode.Bytes(string());
    }
    if (c == 'l' || c == 'd') {
      if (depth >= limits.maxDepth()) {
        throw new Refused(BencodeFailure.TOO_DEEP);
      }
      pos++;
      return c == 'l' ? list(depth + 1) : dict(depth + 1);
    }
    throw new Refused(BencodeFailure.BAD_TYPE);
  }

  private Bencode list(int depth) throws Refused {
    List<Bencode> out = new ArrayList<>();
    while (peek() != 'e') {
      out.add(value(depth));
    }
    pos++;
    return new Bencode.BList(out);
  }

  private Bencode dict(int depth) throws Refused {
    TreeMap<String, Bencode> out = new TreeMap<>();
    String last = null;
    while (peek() != 'e') {
      int c = peek();
      if (c < '0' || c > '9') {
        throw new Refused(BencodeFailure.BAD_KEY);
      }
      String key = new String(string(), StandardCharsets.ISO_8859_1);
      if (last != null && key.compareTo(last) <= 0) {
        throw new Refused(BencodeFailure.UNSORTED_KEYS);
      }
      last = key;
      out.put(key, value(depth));
    }
    pos++;
    return new Bencode.Dict(out);
  }

  private byte[] string() throws Refused {
    long len = integer(':');
    if (len < 0) {
      throw new Refused(BencodeFailure.BAD_LENGTH);
    }
    if (len > in.length - pos) {
      throw new Refused(BencodeFailure.TRUNCATED);
    }
    byte[] b = new byte[(int) len];
    System.arraycopy(in, pos, b, 0, b.length);
    pos += b.length;
    return b;
  }

  // Digits up to the terminator, canonical: no leading zero, no "-0", no empty, at most 19 digits.
  private long integer(char terminator) throws Refused {
    int start = pos;
    boolean negative = false;
    if (peek() == '-') {
      if (terminator == ':') {
        throw new Refused(BencodeFailure.BAD_LENGTH);
      }
      negative = true;
      pos++;
    }
    int digitsStart = pos;
    long v = 0;
    while (peek() != terminator) {
      int c = in[pos];
      if (c < '0' || c > '9' || pos - digitsStart >= 18) {
        throw new Refused(terminator == ':' ? BencodeFailure.BAD_LENGTH : BencodeFailure.BAD_INTEGER);
      }
      v = v * 10 + (c - '0');
      pos++;
    }
    int digits = pos - digitsStart;
    boolean leadingZero = digits > 1 && in[digitsStart] == '0';
    if (digits == 0 || leadingZero || (negative && v == 0)) {
      pos = start;
      throw new Refused(terminator == ':' ? BencodeFailure.BAD_LENGTH : BencodeFailure.BAD_INTEGER);
    }
    pos++;
    return negative ? -v : v;
  }

  private int peek() throws Refused {
    if (pos >= in.length) {
      throw new Refused(BencodeFailure.TRUNCATED);
    }
    return in[pos] & 0xff;
  }

  // Control flow inside the decoder only; never leaves decode().
  private static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;
    final BencodeFailure reason;

    Refused(BencodeFailure reason) {
      super(null, null, false, false);
      this.reason = reason;
    }
  }
}
