package dev.wormholes.networks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class KeyringTest {
  private final Random random = new Random(3);
  private final byte[] epoch1 = secret();
  private final byte[] epoch2 = secret();

  private byte[] secret() {
    byte[] s = new byte[32];
    random.nextBytes(s);
    return s;
  }

  private static SealKey key(byte[] s) {
    return SealKey.of(s, SealKey.Use.EPOCH);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static <T> SealDrop dropped(Keyring.Opened<T> o) {
    return assertInstanceOf(Keyring.Opened.Dropped.class, o, () -> o.toString()).reason();
  }

  @Test
  void aSealedDatagramOpensOnceAtItsNetwork() {
    Keyring<String> alice = new Keyring<>(random);
    Keyring<String> bob = new Keyring<>(random);
    alice.install("friends", 1, key(epoch1), 0);
    bob.install("friends", 1, key(epoch1), 0);
    bob.install("work", 1, key(secret()), 0);
    byte[] d = alice.seal("friends", bytes("hello"));
    assertEquals(Keyring.OVERHEAD + 5, d.length);
    Keyring.Opened.Ok<?> ok = assertInstanceOf(Keyring.Opened.Ok.class, bob.open(d, 10));
    assertEquals("friends", ok.owner());
    assertArrayEquals(bytes("hello"), ok.plaintext());
    assertEquals(SealDrop.REPLAYED, dropped(bob.open(d, 20)));
    assertEquals(1L, bob.drops().get(SealDrop.REPLAYED));
  }

  @Test
  void outsidersGarbageAndForgeriesAreDroppedAndCounted() {
    Keyring<String> alice = new Keyring<>(random);
    Keyring<String> bob = new Keyring<>(random);
    Keyring<String> mallory = new Keyring<>(random);
    alice.install("friends", 1, key(epoch1), 0);
    bob.install("friends", 1, key(epoch1), 0);
    mallory.install("friends", 1, key(secret()), 0);
    assertEquals(SealDrop.UNKNOWN_KEY, dropped(bob.open(mallory.seal("friends", bytes("hi")), 0)));
    assertEquals(SealDrop.MALFORMED, dropped(bob.open(new byte[] {0x10, 1, 2}, 0)));
    assertEquals(SealDrop.MALFORMED, dropped(bob.open(new byte[64], 0)));
    byte[] d = alice.seal("friends", bytes("hello"));
    d[d.length - 1] ^= 1;
    assertEquals(SealDrop.BAD_TAG, dropped(bob.open(d, 0)));
    d[d.length - 1] ^= 1;
    assertInstanceOf(Keyring.Opened.Ok.class, bob.open(d, 0), "a forgery does not burn the nonce");
  }

  @Test
  void aReplacedKeyOpensDuringTheOverlapThenCountsAsStale() {
    Keyring<String> alice = new Keyring<>(random);
    Keyring<String> bob = new Keyring<>(random);
    alice.install("friends", 1, key(epoch1), 0);
    bob.install("friends", 1, key(epoch1), 0);
    byte[] late1 = alice.seal("friends", bytes("a"));
    byte[] late2 = alice.seal("friends", bytes("b"));
    bob.install("friends", 2, key(epoch2), 1_000);
    assertEquals(2L, bob.epoch("friends").orElseThrow());
    assertEquals(1L, ((Keyring.Opened.Ok<?>) bob.open(late1, 1_000 + Keyring.OVERLAP_MS - 1)).epoch());
    assertEquals(SealDrop.STALE_EPOCH, dropped(bob.open(late2, 1_000 + Keyring.OVERLAP_MS)));
    alice.install("friends", 2, key(epoch2), 1_000);
    assertEquals(2L, ((Keyring.Opened.Ok<?>) bob.open(alice.seal("friends", bytes("c")), 200_000)).epoch());
  }

  @Test
  void theReplayWindowAcceptsReorderingAndRefusesTooOld() {
    ReplayWindow w = new ReplayWindow();
    for (long c : new long[] {5, 3, 4, 0, 2000, 1500}) {
      assertEquals(true, w.fresh(c), "counter " + c);
      w.mark(c);
    }
    assertEquals(false, w.fresh(5));
    assertEquals(false, w.fresh(2000));
    assertEquals(false, w.fresh(2000 - ReplayWindow.SIZE), "older than the window");
    assertEquals(true, w.fresh(1999));
    assertEquals(false, w.fresh(-1));
  }

  @Test
  void removedKeysStopOpeningAtOnce() {
    Keyring<String> alice = new Keyring<>(random);
    Keyring<String> bob = new Keyring<>(random);
    alice.install("join", 0, SealKey.of(epoch1, SealKey.Use.INVITE), 0);
    bob.install("join", 0, SealKey.of(epoch1, SealKey.Use.INVITE), 0);
    byte[] d = alice.seal("join", bytes("x"));
    bob.remove("join");
    assertEquals(SealDrop.STALE_EPOCH, dropped(bob.open(d, 0)));
  }
}
