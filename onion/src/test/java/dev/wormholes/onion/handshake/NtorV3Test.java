package dev.wormholes.onion.handshake;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.wormholes.onion.Hex;
import dev.wormholes.onion.handshake.Extensions.Extension;
import dev.wormholes.onion.handshake.NtorV3.ClientDone;
import dev.wormholes.onion.handshake.NtorV3.ClientStart;
import dev.wormholes.onion.handshake.NtorV3.OnionKeyPair;
import dev.wormholes.onion.handshake.NtorV3.RelayKeys;
import dev.wormholes.onion.handshake.NtorV3.ServerAccept;
import dev.wormholes.onion.handshake.NtorV3.ServerReply;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * ntor-v3 against the test vectors of tor's {@code src/test/test_ntor_v3.c} ("from python
 * implementation, confirmed with rust implementation"), plus the negatives: wrong key, small-order
 * points, tampering, wrong verification string.
 */
class NtorV3Test {
  // tor src/test/test_ntor_v3.c, test_ntor3_testvecs.
  private static final byte[] B_SECRET = Hex.bytes("4051daa5921cfa2a1c27b08451324919538e79e788a81b38cbed097a5dff454a");
  private static final byte[] B_PUBLIC = Hex.bytes("f8307a2bc1870b00b828bb74dbb8fd88e632a6375ab3bcd1ae706aaa8b6cdd1d");
  private static final byte[] ID = Hex.bytes("9fad2af287ef942632833d21f946c6260c33fae6172b60006e86e4a6911753a2");
  private static final byte[] X_SECRET = Hex.bytes("b825a3719147bcbe5fb1d0b0fcb9c09e51948048e2e3283d2ab7b45b5ef38b49");
  private static final byte[] X_PUBLIC = Hex.bytes("252fe9ae91264c91d4ecb8501f79d0387e34ad8ca0f7c995184f7d11d5da4f46");
  private static final byte[] Y_SECRET = Hex.bytes("4865a5b7689dafd978f529291c7171bc159be076b92186405d13220b80e2a053");
  private static final byte[] Y_PUBLIC = Hex.bytes("4bf4814326fdab45ad5184f5518bd7fae25dc59374062698201a50a22954246d");
  private static final byte[] CLIENT_MESSAGE = Hex.bytes("68656c6c6f20776f726c64");
  private static final byte[] VERIFICATION = Hex.bytes("78797a7a79");
  private static final byte[] SERVER_MESSAGE = Hex.bytes("486f6c61204d756e646f");
  private static final String ONIONSKIN = "9fad2af287ef942632833d21f946c6260c"
      + "33fae6172b60006e86e4a6911753a2f8307a2bc1870b00b828bb74dbb8fd88e632a6375"
      + "ab3bcd1ae706aaa8b6cdd1d252fe9ae91264c91d4ecb8501f79d0387e34ad8ca0f7c995"
      + "184f7d11d5da4f463bebd9151fd3b47c180abc9e044d53565f04d82bbb3bebed3d06cea"
      + "65db8be9c72b68cd461942088502f67";
  private static final String REPLY = "4bf4814326fdab45ad5184f5518bd7fae25"
      + "dc59374062698201a50a22954246d2fc5f8773ca824542bc6cf6f57c7c29bbf4e5476461"
      + "ab130c5b18ab0a91276651202c3e1e87c0d32054c";
  private static final String KEYS = "9c19b631fd94ed86a817e01f6c80b0743a43f5faebd39cfaa8b00f"
      + "a8bcc65c3bfeaa403d91acbd68a821bf6ee8504602b094a254392a07737d5662768"
      + "c7a9fb1b2814bb34780eaee6e867c773e28c212ead563e98a1cd5d5b4576f5ee61c"
      + "59bde025ff2851bb19b721421694f263818e3531e43a9e4e3e2c661e2ad547d8984"
      + "caa28ebecd3e4525452299be26b9185a20a90ce1eac20a91f2832d731b54502b097"
      + "49b5a2a2949292f8cfcbeffb790c7790ed935a9d251e7e336148ea83b063a5618fc"
      + "ff674a44581585fd22077ca0e52c59a24347a38d1a1ceebddbf238541f226b8f88d"
      + "0fb9c07a1bcd2ea764bbbb5dacdaf5312a14c0b9e4f06309b0333b4a";

  // Small-order X25519 u-coordinates (order 1, 2, 4 and 8 points, and their non-canonical forms).
  private static final String[] SMALL_ORDER = {
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  };

  private static final List<OnionKeyPair> SERVER_KEYS = List.of(OnionKeyPair.of(B_SECRET));
  private static final RelayKeys RELAY = new RelayKeys(ID, B_PUBLIC);

  @Test
  void torTestVectors() {
    assertArrayEquals(B_PUBLIC, NtorV3.publicKey(B_SECRET));
    assertArrayEquals(X_PUBLIC, NtorV3.publicKey(X_SECRET));
    assertArrayEquals(Y_PUBLIC, NtorV3.publicKey(Y_SECRET));

    ClientStart start = NtorV3.clientStart(RELAY, X_SECRET, VERIFICATION, CLIENT_MESSAGE).orThrow();
    assertEquals(ONIONSKIN, Hex.of(start.onionskin()));

    ServerAccept accept = NtorV3.serverAccept(ID, SERVER_KEYS, start.onionskin(), VERIFICATION).orThrow();
    assertArrayEquals(CLIENT_MESSAGE, accept.clientMessage());
    ServerReply reply = NtorV3.serverReply(accept.state(), Y_SECRET, SERVER_MESSAGE, VERIFICATION).orThrow();
    assertEquals(REPLY, Hex.of(reply.reply()));
    assertEquals(KEYS, Hex.of(reply.keys().take(256)));

    ClientDone done = NtorV3.clientFinish(start.state(), reply.reply(), VERIFICATION).orThrow();
    assertArrayEquals(SERVER_MESSAGE, done.serverMessage());
    assertEquals(KEYS, Hex.of(done.keys().take(256)));
  }

  @Test
  void extensionsTravelEncryptedBothWays() {
    Random r = new Random(7);
    byte[] cm = Extensions.encode(List.of(new Extension(Extensions.CC_REQUEST, new byte[0]),
        new Extension(Extensions.RELAY_CRYPTO, new byte[] {Extensions.RELAY_CRYPTO_CGO_AES128})));
    byte[] sm = Extensions.encode(List.of(new Extension(Extensions.CC_RESPONSE, new byte[] {31})));
    ClientStart start = NtorV3.clientStart(RELAY, random32(r), VERIFICATION, cm).orThrow();
    assertFalse(Hex.of(start.onionskin()).contains(Hex.of(cm)), "client message in clear");
    ServerAccept accept = NtorV3.serverAccept(ID, SERVER_KEYS, start.onionskin(), VERIFICATION).orThrow();
    List<Extension> asked = Extensions.decode(accept.clientMessage()).orThrow();
    assertEquals(2, asked.size());
    assertEquals(Extensions.RELAY_CRYPTO, asked.get(1).type());
    assertArrayEquals(new byte[] {Extensions.RELAY_CRYPTO_CGO_AES128}, asked.get(1).body());
    ServerReply reply = NtorV3.serverReply(accept.state(), random32(r), sm, VERIFICATION).orThrow();
    ClientDone done = NtorV3.clientFinish(start.state(), reply.reply(), VERIFICATION).orThrow();
    List<Extension> granted = Extensions.decode(done.serverMessage()).orThrow();
    assertEquals(Extensions.CC_RESPONSE, granted.get(0).type());
    assertArrayEquals(new byte[] {31}, granted.get(0).body());
    assertArrayEquals(reply.keys().take(160), done.keys().take(160));
  }

  @Test
  void randomKeysAndMessagesAlwaysAgree() {
    qt().withExamples(200).forAll(longs().all(), integers().between(0, 400), integers().between(0, 400))
        .checkAssert((seed, cmLen, smLen) -> {
          Random r = new Random(seed);
          OnionKeyPair b = OnionKeyPair.of(random32(r));
          byte[] id = random32(r);
          byte[] cm = new byte[cmLen];
          byte[] sm = new byte[smLen];
          r.nextBytes(cm);
          r.nextBytes(sm);
          ClientStart start = NtorV3.clientStart(new RelayKeys(id, b.publicKey()), random32(r), VERIFICATION, cm).orThrow();
          ServerAccept accept = NtorV3.serverAccept(id, List.of(b), start.onionskin(), VERIFICATION).orThrow();
          assertArrayEquals(cm, accept.clientMessage(), "seed " + seed);
          ServerReply reply = NtorV3.serverReply(accept.state(), random32(r), sm, VERIFICATION).orThrow();
          ClientDone done = NtorV3.clientFinish(start.state(), reply.reply(), VERIFICATION).orThrow();
          assertArrayEquals(sm, done.serverMessage(), "seed " + seed);
          assertArrayEquals(reply.keys().take(160), done.keys().take(160), "seed " + seed);
        });
  }

  @Test
  void serverRefusesAnOnionKeyItDoesNotHold() {
    Random r = new Random(1);
    RelayKeys otherB = new RelayKeys(ID, NtorV3.publicKey(random32(r)));
    byte[] skin = NtorV3.clientStart(otherB, random32(r), VERIFICATION, CLIENT_MESSAGE).orThrow().onionskin();
    assertFailed(HandshakeFailure.UNKNOWN_KEY, NtorV3.serverAccept(ID, SERVER_KEYS, skin, VERIFICATION));
    RelayKeys otherId = new RelayKeys(random32(r), B_PUBLIC);
    skin = NtorV3.clientStart(otherId, random32(r), VERIFICATION, CLIENT_MESSAGE).orThrow().onionskin();
    assertFailed(HandshakeFailure.UNKNOWN_KEY, NtorV3.serverAccept(ID, SERVER_KEYS, skin, VERIFICATION));
  }

  @Test
  void previousOnionKeyStillAcceptedDuringOverlap() {
    Random r = new Random(2);
    OnionKeyPair current = OnionKeyPair.of(random32(r));
    byte[] skin = NtorV3.clientStart(RELAY, random32(r), VERIFICATION, CLIENT_MESSAGE).orThrow().onionskin();
    ServerAccept a = NtorV3.serverAccept(ID, List.of(current, SERVER_KEYS.get(0)), skin, VERIFICATION).orThrow();
    assertArrayEquals(CLIENT_MESSAGE, a.clientMessage());
  }

  @Test
  void clientRejectsAReplyFromAnImpostorWithoutTheSecretKey() {
    Random r = new Random(3);
    ClientStart start = NtorV3.clientStart(RELAY, random32(r), VERIFICATION, CLIENT_MESSAGE).orThrow();
    // The impostor knows B and the ID but holds another secret under the same public B.
    OnionKeyPair impostor = new OnionKeyPair(random32(r), B_PUBLIC);
    HandshakeResult<ServerAccept> a = NtorV3.serverAccept(ID, List.of(impostor), start.onionskin(), VERIFICATION);
    assertFailed(HandshakeFailure.BAD_MAC, a);
    // Or it answers an onionskin meant for its own key: the client still sees a bad AUTH.
    RelayKeys other = new RelayKeys(ID, NtorV3.publicKey(impostor.secret()));
    ClientStart forOther = NtorV3.clientStart(other, random32(r), VERIFICATION, CLIENT_MESSAGE).orThrow();
    ServerAccept otherAccept = NtorV3.serverAccept(ID, List.of(OnionKeyPair.of(impostor.secret())),
        forOther.onionskin(), VERIFICATION).orThrow();
    byte[] reply = NtorV3.serverReply(otherAccept.state(), random32(r), SERVER_MESSAGE, VERIFICATION).orThrow().reply();
    assertFailed(HandshakeFailure.BAD_AUTH, NtorV3.clientFinish(start.state(), reply, VERIFICATION));
  }

  @Test
  void smallOrderPointsRejectedEverywhere() {
    Random r = new Random(4);
    for (String hex : SMALL_ORDER) {
      byte[] point = Hex.bytes(hex);
      // As the relay's onion key B.
      assertFailed(HandshakeFailure.NON_CONTRIBUTORY,
          NtorV3.clientStart(new RelayKeys(ID, point), random32(r), VERIFICATION, CLIENT_MESSAGE));
      // As the client's X.
      byte[] skin = NtorV3.clientStart(RELAY, random32(r), VERIFICATION, CLIENT_MESSAGE).orThrow().onionskin();
      System.arraycopy(point, 0, skin, 64, 32);
      assertFailed(HandshakeFailure.NON_CONTRIBUTORY, NtorV3.serverAccept(ID, SERVER_KEYS, skin, VERIFICATION));
      // As the server's Y.
      ClientStart start = NtorV3.clientStart(RELAY, random32(r), VERIFICATION, CLIENT_MESSAGE).orThrow();
      ServerAccept accept = NtorV3.serverAccept(ID, SERVER_KEYS, start.onionskin(), VERIFICATION).orThrow();
      byte[] reply = NtorV3.serverReply(accept.state(), random32(r), SERVER_MESSAGE, VERIFICATION).orThrow().reply();
      System.arraycopy(point, 0, reply, 0, 32);
      assertFailed(HandshakeFailure.NON_CONTRIBUTORY, NtorV3.clientFinish(start.state(), reply, VERIFICATION));
    }
  }

  @Test
  void everyTamperedByteIsRefused() {
    Random r = new Random(5);
    ClientStart start = NtorV3.clientStart(RELAY, random32(r), VERIFICATION, CLIENT_MESSAGE).orThrow();
    for (int i = 0; i < start.onionskin().length; i++) {
      byte[] skin = start.onionskin().clone();
      skin[i] ^= (byte) (1 << r.nextInt(8));
      assertInstanceOf(HandshakeResult.Failed.class, NtorV3.serverAccept(ID, SERVER_KEYS, skin, VERIFICATION), "byte " + i);
    }
    ServerAccept accept = NtorV3.serverAccept(ID, SERVER_KEYS, start.onionskin(), VERIFICATION).orThrow();
    byte[] reply = NtorV3.serverReply(accept.state(), random32(r), SERVER_MESSAGE, VERIFICATION).orThrow().reply();
    for (int i = 0; i < reply.length; i++) {
      byte[] bad = reply.clone();
      bad[i] ^= (byte) (1 << r.nextInt(8));
      assertInstanceOf(HandshakeResult.Failed.class, NtorV3.clientFinish(start.state(), bad, VERIFICATION), "byte " + i);
    }
    assertFailed(HandshakeFailure.MALFORMED, NtorV3.clientFinish(start.state(), new byte[63], VERIFICATION));
    assertFailed(HandshakeFailure.MALFORMED, NtorV3.serverAccept(ID, SERVER_KEYS, new byte[127], VERIFICATION));
  }

  @Test
  void verificationStringMustMatch() {
    Random r = new Random(6);
    ClientStart start = NtorV3.clientStart(RELAY, random32(r), VERIFICATION, CLIENT_MESSAGE).orThrow();
    assertFailed(HandshakeFailure.BAD_MAC, NtorV3.serverAccept(ID, SERVER_KEYS, start.onionskin(), new byte[] {1}));
  }

  @Test
  void malformedExtensionListsAreTyped() {
    assertFailed(HandshakeFailure.MALFORMED, Extensions.decode(new byte[0]));
    assertFailed(HandshakeFailure.MALFORMED, Extensions.decode(new byte[] {1, 5}));
    assertFailed(HandshakeFailure.MALFORMED, Extensions.decode(new byte[] {1, 5, 3, 0}));
    assertFailed(HandshakeFailure.MALFORMED, Extensions.decode(new byte[] {0, 0}));
    assertEquals(0, Extensions.decode(new byte[] {0}).orThrow().size());
  }

  private static void assertFailed(HandshakeFailure expected, HandshakeResult<?> result) {
    assertEquals(new HandshakeResult.Failed<>(expected), result);
  }

  private static byte[] random32(Random r) {
    byte[] b = new byte[32];
    r.nextBytes(b);
    return b;
  }
}
