package dev.wormholes.node.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Retry tokens: issued only above the free rate, bound to address and time, keys rotated. */
class RetryTokensTest {
  private static final InetSocketAddress ALICE = new InetSocketAddress("192.0.2.1", 4000);
  private static final InetSocketAddress MALLORY = new InetSocketAddress("192.0.2.66", 4000);
  private final MutableClock clock = new MutableClock();

  /** A clock the test moves by hand. */
  static final class MutableClock extends Clock {
    long millis = 1_000_000;

    @Override
    public long millis() {
      return millis;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis);
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  private static ByteBuf cid(int seed) {
    byte[] b = new byte[20];
    new Random(seed).nextBytes(b);
    return Unpooled.wrappedBuffer(b);
  }

  private static ByteBuf token(RetryTokens t, InetSocketAddress to, ByteBuf dcid) {
    ByteBuf out = Unpooled.buffer(t.maxTokenLength());
    assertTrue(t.writeToken(out, dcid, to));
    return out;
  }

  @Test
  void freeHandshakesGetNoRetryThenEveryOneDoesUntilTheNextSecond() {
    RetryTokens t = new RetryTokens(clock, new SecureRandom(), 3);
    for (int i = 0; i < 3; i++) {
      assertFalse(t.writeToken(Unpooled.buffer(64), cid(i), ALICE));
    }
    token(t, ALICE, cid(4));
    token(t, ALICE, cid(5));
    assertEquals(2, t.retries());
    clock.millis += 1000;
    assertFalse(t.writeToken(Unpooled.buffer(64), cid(6), ALICE));
  }

  @Test
  void aTokenIsValidForItsAddressAndCarriesTheOriginalConnectionId() {
    RetryTokens t = new RetryTokens(clock, new SecureRandom(), 0);
    ByteBuf dcid = cid(1);
    ByteBuf tok = token(t, ALICE, dcid);
    int off = t.validateToken(tok, ALICE);
    assertTrue(off > 0);
    assertEquals(dcid, tok.slice(off, tok.readableBytes() - off));
    assertEquals(-1, t.validateToken(tok, MALLORY), "another address");
    assertEquals(-1, t.validateToken(tok, new InetSocketAddress("192.0.2.1", 4001)), "another port");
  }

  @Test
  void tamperedTruncatedExpiredAndFutureTokensAreRefused() {
    RetryTokens t = new RetryTokens(clock, new SecureRandom(), 0);
    ByteBuf tok = token(t, ALICE, cid(1));
    for (int i = 0; i < tok.readableBytes(); i++) {
      ByteBuf bad = tok.copy();
      bad.setByte(i, bad.getByte(i) ^ 0x01);
      assertEquals(-1, t.validateToken(bad, ALICE), "flipped byte " + i);
    }
    assertEquals(-1, t.validateToken(tok.slice(0, 20), ALICE), "truncated");
    assertEquals(-1, t.validateToken(Unpooled.buffer(0), ALICE), "empty");
    clock.millis += RetryTokens.LIFETIME_MS + 1;
    assertEquals(-1, t.validateToken(tok, ALICE), "expired");
    clock.millis -= 2 * RetryTokens.LIFETIME_MS;
    assertEquals(-1, t.validateToken(tok, ALICE), "issued in the future");
  }

  @Test
  void randomBytesNeverPass() {
    RetryTokens t = new RetryTokens(clock, new SecureRandom(), 0);
    Random r = new Random(7);
    for (int i = 0; i < 2000; i++) {
      byte[] b = new byte[r.nextInt(t.maxTokenLength() + 8)];
      r.nextBytes(b);
      if (b.length >= 8) { // a plausible issue time, so the MAC is what refuses it
        Unpooled.wrappedBuffer(b).setLong(0, clock.millis - 5);
      }
      assertEquals(-1, t.validateToken(Unpooled.wrappedBuffer(b), ALICE));
    }
  }

  @Test
  void keysRotateAndThePreviousKeyStillValidates() {
    RetryTokens t = new RetryTokens(clock, new SecureRandom(), 0);
    clock.millis += RetryTokens.ROTATION_MS - 1_000;
    ByteBuf old = token(t, ALICE, cid(1)); // under the first key
    clock.millis += 2_000; // the next call rotates
    ByteBuf fresh = token(t, ALICE, cid(2));
    assertTrue(t.validateToken(old, ALICE) > 0, "issued under the previous key, still fresh");
    assertTrue(t.validateToken(fresh, ALICE) > 0);
  }
}
