package dev.wormholes.onion.intro;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.Limits;
import dev.wormholes.proto.NodeId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The blinded, encrypted record of a service's intro points: a reader with the service's key gets
 * the intro points back for that period only; a holder sees neither the service's key nor its
 * intro points, at a place and under a signer that change every period; any changed bit, another
 * period, another service key or a record signed by anyone but the service opens to nothing.
 */
class ServiceRecordTest {
  private final SplittableRandom random = new SplittableRandom(7);

  private byte[] bytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private List<HiddenService.IntroKeys> intros(int n) {
    List<HiddenService.IntroKeys> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new HiddenService.IntroKeys(NodeId.of(bytes(32)), bytes(32), bytes(32)));
    }
    return out;
  }

  @Test
  void aReaderWithTheServiceKeyGetsTheIntroPointsOfThatPeriodOnly() {
    Identity service = Identity.fromSeed(bytes(32));
    long period = ServiceRecord.period(1_765_000_000L);
    List<HiddenService.IntroKeys> intros = intros(3);
    byte[] value = ServiceRecord.seal(service, period, intros, bytes(12));
    assertTrue(value.length <= Limits.MAX_VALUE, "length " + value.length);
    List<HiddenService.IntroKeys> got = ServiceRecord.open(service.publicKey(), period, value).orElseThrow();
    assertEquals(3, got.size());
    for (int i = 0; i < 3; i++) {
      assertEquals(intros.get(i).introPoint(), got.get(i).introPoint());
      assertArrayEquals(intros.get(i).authKey(), got.get(i).authKey());
      assertArrayEquals(intros.get(i).encryptionKey(), got.get(i).encryptionKey());
    }
    assertEquals(Optional.empty(), ServiceRecord.open(service.publicKey(), period + 1, value));
    assertEquals(Optional.empty(), ServiceRecord.open(Identity.fromSeed(bytes(32)).publicKey(), period, value));
    assertEquals(0, ServiceRecord.open(service.publicKey(), period, ServiceRecord.seal(service, period, List.of(), bytes(12)))
        .orElseThrow().size());
  }

  @Test
  void anyChangedBitOrAnotherSignerOpensToNothing() {
    Identity service = Identity.fromSeed(bytes(32));
    byte[] value = ServiceRecord.seal(service, 20_000, intros(2), bytes(12));
    for (int i = 0; i < value.length; i++) {
      byte[] v = value.clone();
      v[i] ^= (byte) (1 << (i % 8));
      assertEquals(Optional.empty(), ServiceRecord.open(service.publicKey(), 20_000, v), "bit at byte " + i);
    }
    assertEquals(Optional.empty(), ServiceRecord.open(service.publicKey(), 20_000, new byte[27]));
    // A contact who knows the service key encrypts a record of its own choosing: it does not open.
    Identity forger = Identity.fromSeed(bytes(32));
    byte[] forged = ServiceRecord.seal(forger, service.publicKey(), 20_000, intros(1), bytes(12));
    assertEquals(Optional.empty(), ServiceRecord.open(service.publicKey(), 20_000, forged));
  }

  @Test
  void aHolderSeesNeitherTheServiceNorItsIntroPointsAndThePlaceMovesEveryPeriod() {
    Identity service = Identity.fromSeed(bytes(32));
    List<HiddenService.IntroKeys> intros = intros(3);
    byte[] value = ServiceRecord.seal(service, 20_000, intros, bytes(12));
    List<byte[]> secrets = new ArrayList<>(List.of(service.publicKey(), service.id().toBytes()));
    intros.forEach(k -> {
      secrets.add(k.introPoint().toBytes());
      secrets.add(k.authKey());
      secrets.add(k.encryptionKey());
    });
    for (byte[] secret : secrets) {
      for (int at = 0; at + 8 <= value.length; at++) {
        assertTrue(!java.util.Arrays.equals(value, at, at + 8, secret, 0, 8), "8 bytes of a secret at " + at);
      }
    }
    NodeId today = ServiceRecord.location(service.publicKey(), 20_000);
    Identity signer = ServiceRecord.blinded(service.publicKey(), 20_000);
    assertEquals(DhtValues.mutableKey(signer.publicKey(), ServiceRecord.SALT), today);
    assertNotEquals(today, ServiceRecord.location(service.publicKey(), 20_001));
    assertNotEquals(today, DhtValues.mutableKey(service.publicKey(), ServiceRecord.SALT));
    assertNotEquals(service.id(), signer.id());
    // The DHT item checks as any mutable item at that place.
    assertEquals(dev.wormholes.proto.ValueCheck.OK, DhtValues.check(today,
        DhtValues.mutable(signer, ServiceRecord.SALT, 1, value), 0));
  }
}
