package dev.wormholes.onion.crypto;

import dev.wormholes.onion.crypto.RelayCrypto.ClientLayer;
import dev.wormholes.onion.crypto.RelayCrypto.RelayLayer;
import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A CTR-only relay crypto in the style of Tor's original tor1 layers, without the running digest:
 * each direction is one AES-128-CTR key stream running across cells, and a cell is recognised when
 * its first 16 bytes decrypt to zero. It is malleable (taggable): a bit flipped in transit flips
 * the same plaintext bit. Lives only under src/test, as the benchmark baseline and the negative
 * control of the tamper and tagging tests.
 */
final class CtrBaseline implements RelayCrypto.Scheme {
  static final CtrBaseline SCHEME = new CtrBaseline();
  private static final int HEAD = 16;

  @Override
  public int seedBytes() {
    return 32;
  }

  @Override
  public ClientLayer client(byte[] seed) {
    Stream out = new Stream(seed, 0);
    Stream in = new Stream(seed, 16);
    return new ClientLayer(new RelayCrypto.OutboundClientLayer() {
      @Override
      public void originate(int cmd, byte[] body) {
        java.util.Arrays.fill(body, 0, HEAD, (byte) 0);
        out.xor(body);
      }

      @Override
      public void encryptOutbound(int cmd, byte[] body) {
        out.xor(body);
      }
    }, (cmd, body) -> {
      in.xor(body);
      return isZeroHead(body);
    });
  }

  @Override
  public RelayLayer relay(byte[] seed) {
    Stream out = new Stream(seed, 0);
    Stream in = new Stream(seed, 16);
    return new RelayLayer((cmd, body) -> {
      out.xor(body);
      return isZeroHead(body);
    }, new RelayCrypto.InboundRelayLayer() {
      @Override
      public void originate(int cmd, byte[] body) {
        java.util.Arrays.fill(body, 0, HEAD, (byte) 0);
        in.xor(body);
      }

      @Override
      public void encryptInbound(int cmd, byte[] body) {
        in.xor(body);
      }
    });
  }

  private static boolean isZeroHead(byte[] body) {
    int acc = 0;
    for (int i = 0; i < HEAD; i++) {
      acc |= body[i];
    }
    return acc == 0;
  }

  /** One direction's running AES-128-CTR key stream. */
  private static final class Stream {
    private final Cipher ctr;

    Stream(byte[] seed, int off) {
      try {
        ctr = Cipher.getInstance("AES/CTR/NoPadding");
        ctr.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(seed, off, 16, "AES"), new IvParameterSpec(new byte[16]));
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    }

    void xor(byte[] body) {
      try {
        ctr.update(body, 0, body.length, body, 0);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
