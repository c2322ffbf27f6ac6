package dev.wormholes.onion.crypto;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-128 as CGO uses it, re-keyable per cell: {@link Block} (one block in place, the ET's
 * cipher) and {@link Ctr} (a counter-mode key stream xored into a range, the PRF).
 *
 * <p>Two routes, both on the JDK's AES (AES-NI intrinsics on x86-64):
 *
 * <ul>
 *   <li>When {@code java.base} opens {@code com.sun.crypto.provider} (the flag {@link Polyval}
 *       also uses; {@link #intrinsic()} says which), each instance holds one JDK {@code AESCrypt}
 *       (and for {@link Ctr} one {@code CounterMode} over it) made once, and a re-key writes the
 *       round keys computed here into the int array the JDK cipher reads, in the JDK's own layout
 *       (big-endian words; for decryption the inverse-mixed keys in the JDK's order). The JDK's
 *       key setup allocates both schedules and clones the key on every call (about 0.7 us); this
 *       one allocates nothing. The round keys come from the S-box by table lookup, as in the JDK.
 *   <li>Otherwise {@code javax.crypto.Cipher} ECB, initialised on every re-key, with the counter
 *       blocks built here.
 * </ul>
 *
 * <p>Both routes pass the same vectors; instances are single-threaded.
 */
final class Aes128 {
  static final int BLOCK = 16;
  static final int KEY_WORDS = 44;
  private static final int ROUNDS = 10;
  private static final byte[] SBOX = sbox();
  private static final Internals JDK = Internals.find();

  private Aes128() {}

  /** Return whether new instances write round keys into the JDK's AES directly. */
  static boolean intrinsic() {
    return JDK != null;
  }

  /** One AES-128 block operation in place: encryption, or decryption when made so. */
  static final class Block {
    private final boolean decrypt;
    private final Object aes;
    private final int[] roundKeys;
    private final Cipher cipher;

    /** Return a block cipher with an all-zero key: decrypting if {@code decrypt}. */
    Block(boolean decrypt) {
      this(decrypt, intrinsic());
    }

    /** As {@link #Block(boolean)}, writing the JDK's round keys directly or through {@code Cipher}. */
    Block(boolean decrypt, boolean direct) {
      this.decrypt = decrypt;
      if (direct) {
        roundKeys = new int[KEY_WORDS];
        aes = JDK.aes(decrypt, roundKeys);
        cipher = null;
      } else {
        roundKeys = null;
        aes = null;
        cipher = ecb();
      }
      setKey(new byte[BLOCK], 0);
    }

    /** Set the key to {@code key[off..off+16)}. */
    void setKey(byte[] key, int off) {
      if (aes == null) {
        init(cipher, decrypt ? Cipher.DECRYPT_MODE : Cipher.ENCRYPT_MODE, key, off);
      } else if (decrypt) {
        decryptionKeys(key, off, roundKeys);
      } else {
        encryptionKeys(key, off, roundKeys);
      }
    }

    /** Encrypt (or decrypt) {@code buf[off..off+16)} in place. */
    void apply(byte[] buf, int off) {
      if (aes == null) {
        update(cipher, buf, off, BLOCK, buf, off);
      } else {
        JDK.block(aes, decrypt, buf, off);
      }
    }
  }

  /** AES-128 in counter mode: a big-endian 128-bit counter, encrypted and xored into the data. */
  static final class Ctr {
    private final Object ctr;
    private final byte[] iv;
    private final int[] roundKeys;
    private final Cipher cipher;
    private final byte[] counters;
    private final byte[] stream;

    /** Return counter mode with an all-zero key for at most {@code maxBytes} a call. */
    Ctr(int maxBytes) {
      this(maxBytes, intrinsic());
    }

    /** As {@link #Ctr(int)}, on the JDK's counter mode directly or through {@code Cipher} ECB. */
    Ctr(int maxBytes, boolean direct) {
      if (direct) {
        iv = new byte[BLOCK];
        roundKeys = new int[KEY_WORDS];
        ctr = JDK.ctr(iv, roundKeys);
        cipher = null;
        counters = null;
        stream = null;
      } else {
        int blocks = (maxBytes + BLOCK - 1) / BLOCK;
        iv = null;
        roundKeys = null;
        ctr = null;
        cipher = ecb();
        counters = new byte[blocks * BLOCK];
        stream = new byte[blocks * BLOCK];
      }
      setKey(new byte[BLOCK], 0);
    }

    /** Set the key to {@code key[off..off+16)}. */
    void setKey(byte[] key, int off) {
      if (ctr == null) {
        init(cipher, Cipher.ENCRYPT_MODE, key, off);
      } else {
        encryptionKeys(key, off, roundKeys);
      }
    }

    /**
     * Xor the key stream from counter block {@code counter[0..16)} into {@code in[inOff..+len)},
     * written to {@code out[outOff..)} (may be the same range).
     */
    void xor(byte[] counter, byte[] in, int inOff, int len, byte[] out, int outOff) {
      if (ctr != null) {
        System.arraycopy(counter, 0, iv, 0, BLOCK);
        JDK.ctrXor(ctr, in, inOff, len, out, outOff);
        return;
      }
      int blocks = (len + BLOCK - 1) / BLOCK;
      System.arraycopy(counter, 0, counters, 0, BLOCK);
      for (int i = 1; i < blocks; i++) {
        System.arraycopy(counters, (i - 1) * BLOCK, counters, i * BLOCK, BLOCK);
        increment(counters, i * BLOCK);
      }
      update(cipher, counters, 0, blocks * BLOCK, stream, 0);
      for (int i = 0; i < len; i++) {
        out[outOff + i] = (byte) (in[inOff + i] ^ stream[i]);
      }
    }

    private static void increment(byte[] b, int off) {
      for (int i = off + BLOCK - 1; i >= off; i--) {
        if (++b[i] != 0) {
          return;
        }
      }
    }
  }

  /** Write the 44 encryption round-key words of {@code key[off..off+16)} (FIPS 197 5.2, big-endian). */
  static void encryptionKeys(byte[] key, int off, int[] w) {
    for (int i = 0; i < 4; i++) {
      w[i] = (key[off + 4 * i] & 0xFF) << 24 | (key[off + 4 * i + 1] & 0xFF) << 16
          | (key[off + 4 * i + 2] & 0xFF) << 8 | (key[off + 4 * i + 3] & 0xFF);
    }
    int rcon = 1;
    for (int i = 4; i < KEY_WORDS; i += 4) {
      int t = w[i - 1];
      t = (SBOX[(t >>> 16) & 0xFF] & 0xFF) << 24 | (SBOX[(t >>> 8) & 0xFF] & 0xFF) << 16
          | (SBOX[t & 0xFF] & 0xFF) << 8 | (SBOX[t >>> 24] & 0xFF);
      w[i] = w[i - 4] ^ t ^ (rcon << 24);
      w[i + 1] = w[i - 3] ^ w[i];
      w[i + 2] = w[i - 2] ^ w[i + 1];
      w[i + 3] = w[i - 1] ^ w[i + 2];
      rcon = xtime(rcon);
    }
  }

  /**
   * Write the JDK's decryption key array of {@code key[off..off+16)}: the last round key first, then
   * the round keys from the first, those of rounds 1-9 through InvMixColumns (the equivalent
   * inverse cipher's order as the JDK's {@code AESCrypt} stores it).
   */
  static void decryptionKeys(byte[] key, int off, int[] w) {
    encryptionKeys(key, off, w);
    // Reverse the rounds in place: round r moves to ROUNDS - r.
    for (int r = 0; r < ROUNDS / 2 + 1; r++) {
      for (int j = 0; j < 4 && r < ROUNDS - r; j++) {
        int a = 4 * r + j;
        int b = 4 * (ROUNDS - r) + j;
        int t = w[a];
        w[a] = w[b];
        w[b] = t;
      }
    }
    for (int i = 4; i < 4 * ROUNDS; i++) {
      w[i] = invMixColumn(w[i]);
    }
    // The JDK moves the last round key to the front: [Kd10, Kd0, ..., Kd9].
    int t0 = w[40];
    int t1 = w[41];
    int t2 = w[42];
    int t3 = w[43];
    System.arraycopy(w, 0, w, 4, 40);
    w[0] = t0;
    w[1] = t1;
    w[2] = t2;
    w[3] = t3;
  }

  // InvMixColumns of one big-endian column: bytes (14 11 13 9) circulant, branch-free.
  private static int invMixColumn(int a) {
    int a2 = xtime4(a);
    int a4 = xtime4(a2);
    int a8 = xtime4(a4);
    int a9 = a8 ^ a;
    int a11 = a9 ^ a2;
    int a13 = a9 ^ a4;
    int a14 = a8 ^ a4 ^ a2;
    return a14 ^ Integer.rotateLeft(a11, 8) ^ Integer.rotateLeft(a13, 16) ^ Integer.rotateLeft(a9, 24);
  }

  // Multiply each of four packed bytes by x in GF(2^8).
  private static int xtime4(int a) {
    return ((a & 0x7F7F7F7F) << 1) ^ (((a >>> 7) & 0x01010101) * 0x1B);
  }

  private static int xtime(int b) {
    return ((b << 1) ^ ((b >>> 7) * 0x1B)) & 0xFF;
  }

  // The AES S-box: the inverse in GF(2^8) (walking the powers of 3 and of its inverse together)
  // through the affine map.
  private static byte[] sbox() {
    byte[] s = new byte[256];
    int p = 1;
    int q = 1;
    do {
      p = (p ^ xtime(p)) & 0xFF;
      q ^= q << 1;
      q ^= q << 2;
      q ^= q << 4;
      q &= 0xFF;
      if ((q & 0x80) != 0) {
        q ^= 0x09;
      }
      int x = q ^ rotl8(q, 1) ^ rotl8(q, 2) ^ rotl8(q, 3) ^ rotl8(q, 4);
      s[p] = (byte) (x ^ 0x63);
    } while (p != 1);
    s[0] = 0x63;
    return s;
  }

  private static int rotl8(int x, int n) {
    return ((x << n) | (x >>> (8 - n))) & 0xFF;
  }

  private static Cipher ecb() {
    try {
      return Cipher.getInstance("AES/ECB/NoPadding");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK provides AES/ECB/NoPadding", e);
    }
  }

  private static void init(Cipher cipher, int mode, byte[] key, int off) {
    try {
      cipher.init(mode, new SecretKeySpec(key, off, BLOCK, "AES"));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-128 takes a 16-byte key", e);
    }
  }

  private static void update(Cipher cipher, byte[] in, int inOff, int len, byte[] out, int outOff) {
    try {
      cipher.update(in, inOff, len, out, outOff);
    } catch (ShortBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The JDK's {@code AESCrypt} and {@code CounterMode} reached through {@code
   * MethodHandles.privateLookupIn}, typed on {@code Object} so calls are exact and inline.
   */
  private record Internals(
      MethodHandle newAes, MethodHandle initAes, MethodHandle setRoundKeys, MethodHandle encryptBlock,
      MethodHandle decryptBlock, MethodHandle newCtr, MethodHandle initCtr, MethodHandle resetCtr,
      MethodHandle encryptCtr) {
    private static final byte[] ZERO_KEY = new byte[BLOCK];

    static Internals find() {
      try {
        Class<?> aes = Class.forName("com.sun.crypto.provider.AESCrypt");
        Class<?> symmetric = Class.forName("com.sun.crypto.provider.SymmetricCipher");
        Class<?> ctr = Class.forName("com.sun.crypto.provider.CounterMode");
        MethodHandles.Lookup a = MethodHandles.privateLookupIn(aes, MethodHandles.lookup());
        MethodHandles.Lookup c = MethodHandles.privateLookupIn(ctr, MethodHandles.lookup());
        MethodType block = MethodType.methodType(void.class, byte[].class, int.class, byte[].class, int.class);
        MethodType blockOnObject = block.insertParameterTypes(0, Object.class);
        Internals found = new Internals(
            a.findConstructor(aes, MethodType.methodType(void.class)).asType(MethodType.methodType(Object.class)),
            a.findVirtual(aes, "init", MethodType.methodType(void.class, boolean.class, String.class, byte[].class))
                .asType(MethodType.methodType(void.class, Object.class, boolean.class, String.class, byte[].class)),
            a.findSetter(aes, "K", int[].class).asType(MethodType.methodType(void.class, Object.class, int[].class)),
            a.findVirtual(aes, "encryptBlock", block).asType(blockOnObject),
            a.findVirtual(aes, "decryptBlock", block).asType(blockOnObject),
            c.findConstructor(ctr, MethodType.methodType(void.class, symmetric))
                .asType(MethodType.methodType(Object.class, Object.class)),
            c.findVirtual(ctr, "init", MethodType.methodType(void.class, boolean.class, String.class, byte[].class, byte[].class))
                .asType(MethodType.methodType(void.class, Object.class, boolean.class, String.class, byte[].class, byte[].class)),
            c.findVirtual(ctr, "reset", MethodType.methodType(void.class))
                .asType(MethodType.methodType(void.class, Object.class)),
            c.findVirtual(ctr, "encrypt", MethodType.methodType(int.class, byte[].class, int.class, int.class, byte[].class, int.class))
                .asType(MethodType.methodType(int.class, Object.class, byte[].class, int.class, int.class, byte[].class, int.class)));
        // Refuse the route unless a JDK key setup and ours agree on a test key.
        return found.agrees() ? found : null;
      } catch (Throwable e) {
        return null;
      }
    }

    private boolean agrees() throws Throwable {
      byte[] key = new byte[BLOCK];
      for (int i = 0; i < BLOCK; i++) {
        key[i] = (byte) (17 * i + 3);
      }
      byte[] viaJdk = new byte[BLOCK];
      byte[] viaOurs = new byte[BLOCK];
      for (boolean decrypt : new boolean[] {false, true}) {
        Object jdk = newAes.invokeExact();
        initAes.invokeExact(jdk, decrypt, "AES", key);
        int[] w = new int[KEY_WORDS];
        Object ours = aes(decrypt, w);
        if (decrypt) {
          decryptionKeys(key, 0, w);
        } else {
          encryptionKeys(key, 0, w);
        }
        block(jdk, decrypt, viaJdk, 0);
        block(ours, decrypt, viaOurs, 0);
        if (!Arrays.equals(viaJdk, viaOurs)) {
          return false;
        }
      }
      return true;
    }

    Object aes(boolean decrypt, int[] roundKeys) {
      try {
        Object aes = newAes.invokeExact();
        initAes.invokeExact(aes, decrypt, "AES", ZERO_KEY.clone());
        setRoundKeys.invokeExact(aes, roundKeys);
        return aes;
      } catch (Throwable e) {
        throw new IllegalStateException("the JDK's AESCrypt refused its set-up", e);
      }
    }

    Object ctr(byte[] iv, int[] roundKeys) {
      try {
        Object aes = newAes.invokeExact();
        Object ctr = newCtr.invokeExact(aes);
        initCtr.invokeExact(ctr, false, "AES", ZERO_KEY.clone(), iv);
        setRoundKeys.invokeExact(aes, roundKeys);
        return ctr;
      } catch (Throwable e) {
        throw new IllegalStateException("the JDK's CounterMode refused its set-up", e);
      }
    }

    void block(Object aes, boolean decrypt, byte[] buf, int off) {
      try {
        if (decrypt) {
          decryptBlock.invokeExact(aes, buf, off, buf, off);
        } else {
          encryptBlock.invokeExact(aes, buf, off, buf, off);
        }
      } catch (Throwable e) {
        throw new IllegalStateException(e);
      }
    }

    // CounterMode.reset() copies its iv (our array) into the counter and marks no key stream left.
    void ctrXor(Object ctr, byte[] in, int inOff, int len, byte[] out, int outOff) {
      try {
        resetCtr.invokeExact(ctr);
        int written = (int) encryptCtr.invokeExact(ctr, in, inOff, len, out, outOff);
      } catch (Throwable e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
