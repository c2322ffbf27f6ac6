package dev.wormholes.onion.crypto;

import dev.wormholes.onion.crypto.RelayCrypto.ClientLayer;
import dev.wormholes.onion.crypto.RelayCrypto.InboundClientLayer;
import dev.wormholes.onion.crypto.RelayCrypto.InboundRelayLayer;
import dev.wormholes.onion.crypto.RelayCrypto.OutboundClientLayer;
import dev.wormholes.onion.crypto.RelayCrypto.OutboundRelayLayer;
import dev.wormholes.onion.crypto.RelayCrypto.RelayLayer;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * Counter Galois Onion (Tor proposal 359, Degabriele-Melloni-Münch-Stam) with AES-128: each
 * direction of a layer is a UIV+ wide-block cipher over the 509-byte body, tweaked by the previous
 * cell's tag T' and the command, so a change to any bit garbles the whole cell and every cell
 * after it (no tagging); the addressed hop recognises a cell by its first 16 bytes decrypting to
 * the nonce N, and then replaces its keys and N from a PRF of N (forward secrecy per cell).
 *
 * <p>Pieces, named as in the proposal: ET, an LRW2 tweakable block cipher {@code UH(KU,T) ^
 * AES(KB, M ^ UH(KU,T))} with POLYVAL as UH; PRF, AES-CTR from the IV {@code UH(B, T)} with its low
 * six bits cleared (t=1 starts 31 blocks in); UIV, {@code Y_L = ET(J, H | X_R, X_L)}, {@code Y_R =
 * X_R ^ PRF(S, Y_L, 0)}. Relays run UIV forward, the client runs it backward. AES is the JDK's
 * (AES-NI intrinsics) through {@link Aes128}, whose re-key allocates nothing.
 *
 * <p>A layer's seed is 160 bytes: outbound {@code K (64) | N (16)} then inbound {@code K | N}.
 * Instances are single-threaded.
 */
public final class Cgo implements RelayCrypto.Scheme {
  /** The scheme. */
  public static final Cgo SCHEME = new Cgo();
  /** Bytes of one direction's seed: K = (KB, KU, K, B), 16 each, then N. */
  public static final int DIRECTION_SEED_BYTES = 80;

  static final int BLK = 16;
  static final int KEY_BYTES = 64;
  static final int PAYLOAD = RelayCrypto.BODY_BYTES - BLK;
  private static final int N1_OFFSET_BLOCKS = 31;
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.nativeOrder());

  private Cgo() {}

  @Override
  public int seedBytes() {
    return 2 * DIRECTION_SEED_BYTES;
  }

  @Override
  public ClientLayer client(byte[] seed) {
    checkSeed(seed);
    return new ClientLayer(new ClientOutbound(State.of(seed, 0, false)),
        new ClientInbound(State.of(seed, DIRECTION_SEED_BYTES, false)));
  }

  @Override
  public RelayLayer relay(byte[] seed) {
    checkSeed(seed);
    return new RelayLayer(new RelayOutbound(State.of(seed, 0, true)),
        new RelayInbound(State.of(seed, DIRECTION_SEED_BYTES, true)));
  }

  private void checkSeed(byte[] seed) {
    if (seed.length != seedBytes()) {
      throw new IllegalArgumentException("a CGO layer seed is " + seedBytes() + " bytes");
    }
  }

  /** The UIV+ keys J = (KB, KU) and S = (K, B) of one direction, with scratch space. */
  static final class Uiv {
    private final boolean forward;
    private final Aes128.Block et;
    private final Polyval ku = new Polyval(new byte[BLK], 0);
    private final Aes128.Ctr prf = new Aes128.Ctr(PAYLOAD);
    private final Polyval b = new Polyval(new byte[BLK], 0);
    private final byte[] keys = new byte[KEY_BYTES];
    private final byte[] block = new byte[BLK];
    private final byte[] mask = new byte[BLK];
    private final byte[] next = new byte[KEY_BYTES + BLK];

    /** Return UIV+ keyed by {@code seed[off..off+64)}; {@code forward}: relays encrypt with ET. */
    Uiv(byte[] seed, int off, boolean forward) {
      this.forward = forward;
      et = new Aes128.Block(!forward);
      rekey(seed, off);
    }

    /** Return the current 64 bytes of key material (tests). */
    byte[] keys() {
      return keys.clone();
    }

    void rekey(byte[] seed, int off) {
      System.arraycopy(seed, off, keys, 0, KEY_BYTES);
      et.setKey(keys, 0);
      prf.setKey(keys, 2 * BLK);
      ku.init(keys, BLK);
      b.init(keys, 3 * BLK);
    }

    /** ENC_UIV (forward) or DEC_UIV (backward) of {@code body} under tweak (tag, cmd). */
    void apply(byte[] tag, int cmd, byte[] body) {
      if (forward) {
        et(tag, cmd, body);
        prfXor(body);
      } else {
        prfXor(body);
        et(tag, cmd, body);
      }
    }

    /** UPDATE_UIV: replace J and S, and {@code nonce}, with PRF(S, nonce, 1). */
    void update(byte[] nonce) {
      Arrays.fill(next, (byte) 0);
      prf(nonce, 0, N1_OFFSET_BLOCKS, next, 0, next.length);
      rekey(next, 0);
      System.arraycopy(next, KEY_BYTES, nonce, 0, BLK);
      Arrays.fill(next, (byte) 0);
    }

    // ET((KB, KU), T' | cmd | X_R, X_L) on body[0..16): UH(KU, tweak) ^ AES(KB, X_L ^ UH(KU, tweak)).
    void et(byte[] tag, int cmd, byte[] body) {
      ku.reset();
      ku.updateBlock(tag, 0);
      block[0] = (byte) cmd;
      System.arraycopy(body, BLK, block, 1, BLK - 1);
      ku.updateBlock(block, 0);
      ku.updatePadded(body, 2 * BLK - 1, PAYLOAD - (BLK - 1));
      ku.digest(mask, 0);
      xor(body, 0, mask, 0, BLK);
      et.apply(body, 0);
      xor(body, 0, mask, 0, BLK);
    }

    // X_R ^= PRF(S, Y_L, 0).
    void prfXor(byte[] body) {
      prf(body, 0, 0, body, BLK, PAYLOAD);
    }

    /**
     * Xor into {@code out[outOff..+len)} AES-CTR(K) from the counter UH(B, tweak) with its low six
     * bits cleared, plus {@code first} blocks (the counter never carries out of those bits).
     */
    void prf(byte[] tweak, int off, int first, byte[] out, int outOff, int len) {
      b.reset();
      b.updateBlock(tweak, off);
      b.digest(mask, 0);
      mask[BLK - 1] &= (byte) 0xC0;
      mask[BLK - 1] |= (byte) first;
      prf.xor(mask, out, outOff, len, out, outOff);
    }
  }

  /** One direction's state: UIV+ keys, the nonce N and the previous tag T'. */
  static final class State {
    final Uiv uiv;
    final byte[] nonce = new byte[BLK];
    final byte[] tag = new byte[BLK];
    // The incoming first block, kept across the UIV call.
    private final byte[] saved = new byte[BLK];
    private final byte[] head = new byte[BLK];

    private State(Uiv uiv) {
      this.uiv = uiv;
    }

    /** Return the state of seed {@code K | N} at {@code off}, T' all zero. */
    static State of(byte[] seed, int off, boolean forward) {
      State s = new State(new Uiv(seed, off, forward));
      System.arraycopy(seed, off + KEY_BYTES, s.nonce, 0, BLK);
      return s;
    }

    /** Return whether body[0..16) equals N, in constant time. */
    boolean startsWithNonce(byte[] body) {
      System.arraycopy(body, 0, head, 0, BLK);
      return MessageDigest.isEqual(head, nonce);
    }
  }

  /** The client's outbound half: UIV+ backward. */
  static final class ClientOutbound implements OutboundClientLayer {
    final State s;

    ClientOutbound(State s) {
      this.s = s;
    }

    @Override
    public void originate(int cmd, byte[] body) {
      System.arraycopy(s.nonce, 0, body, 0, BLK);
      encryptOutbound(cmd, body);
      s.uiv.update(s.nonce);
    }

    @Override
    public void encryptOutbound(int cmd, byte[] body) {
      System.arraycopy(body, 0, s.saved, 0, BLK);
      s.uiv.apply(s.tag, cmd, body);
      System.arraycopy(s.saved, 0, s.tag, 0, BLK);
    }
  }

  /** The client's inbound half: UIV+ backward; recognised when the tag decrypts to N. */
  static final class ClientInbound implements InboundClientLayer {
    final State s;

    ClientInbound(State s) {
      this.s = s;
    }

    @Override
    public boolean decryptInbound(int cmd, byte[] body) {
      System.arraycopy(s.tag, 0, s.saved, 0, BLK);
      System.arraycopy(body, 0, s.tag, 0, BLK);
      s.uiv.apply(s.saved, cmd, body);
      if (!s.startsWithNonce(body)) {
        return false;
      }
      System.arraycopy(s.tag, 0, s.nonce, 0, BLK);
      s.uiv.update(s.nonce);
      return true;
    }
  }

  /** A relay's outbound half: UIV+ forward; recognised when the tag encrypts to N. */
  static final class RelayOutbound implements OutboundRelayLayer {
    final State s;

    RelayOutbound(State s) {
      this.s = s;
    }

    @Override
    public boolean decryptOutbound(int cmd, byte[] body) {
      s.uiv.apply(s.tag, cmd, body);
      System.arraycopy(body, 0, s.tag, 0, BLK);
      if (!s.startsWithNonce(body)) {
        return false;
      }
      s.uiv.update(s.nonce);
      return true;
    }
  }

  /** A relay's inbound half: UIV+ forward. */
  static final class RelayInbound implements InboundRelayLayer {
    final State s;

    RelayInbound(State s) {
      this.s = s;
    }

    @Override
    public void originate(int cmd, byte[] body) {
      System.arraycopy(s.nonce, 0, body, 0, BLK);
      encryptInbound(cmd, body);
      System.arraycopy(body, 0, s.nonce, 0, BLK);
      s.uiv.update(s.nonce);
    }

    @Override
    public void encryptInbound(int cmd, byte[] body) {
      s.uiv.apply(s.tag, cmd, body);
      System.arraycopy(body, 0, s.tag, 0, BLK);
    }
  }

  static void xor(byte[] dst, int dOff, byte[] src, int sOff, int len) {
    int i = 0;
    for (; i + 8 <= len; i += 8) {
      LONGS.set(dst, dOff + i, (long) LONGS.get(dst, dOff + i) ^ (long) LONGS.get(src, sOff + i));
    }
    for (; i < len; i++) {
      dst[dOff + i] ^= src[sOff + i];
    }
  }
}
