package dev.wormholes.people;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import com.google.protobuf.ByteString;
import dev.wormholes.people.wire.SignedMessage;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SignedTextTest {
  private final TestPersona alice = new TestPersona(50);
  private final byte[] hello = "hello, bob\n".getBytes(StandardCharsets.UTF_8);

  private static SignedText.Failure failure(SignedText.Result r) {
    return ((SignedText.Result.Invalid) r).failure();
  }

  @Test
  void aSignedMessageVerifiesInsideMailText() {
    String armored = SignedText.sign(hello, alice.signer, alice.log);
    assertTrue(armored.startsWith("-----BEGIN WORMHOLES SIGNED MESSAGE-----\n"));
    assertTrue(armored.lines().allMatch(l -> l.length() <= 64 || l.startsWith("-----")));
    SignedText.Result r = SignedText.verify("Hi Bob,\n\n> " + armored.replace("\n", "\n  ") + "\nAlice\n");
    SignedText.Result.Valid v = (SignedText.Result.Valid) r;
    assertArrayEquals(hello, v.message());
    assertEquals(alice.state().persona(), v.log().state().persona());
  }

  @Test
  void aRotatedKeySignsAndTheOldOneNoLonger() {
    TestPersona p = new TestPersona(51);
    var old = p.signer;
    p.rotate();
    assertTrue(SignedText.verify(SignedText.sign(hello, p.signer, p.log)) instanceof SignedText.Result.Valid);
    assertEquals(SignedText.Failure.BAD_SIGNATURE, failure(SignedText.verify(SignedText.sign(hello, old, p.log))));
  }

  @Test
  void forgeriesAndGarbageAreRefused() {
    String armored = SignedText.sign(hello, alice.signer, alice.log);
    SignedMessage m = parse(armored);
    SignedMessage other = m.toBuilder().setMessage(ByteString.copyFromUtf8("pay mallory")).build();
    assertEquals(SignedText.Failure.BAD_SIGNATURE, failure(verify(other)));
    TestPersona mallory = new TestPersona(52);
    SignedMessage stolen = m.toBuilder().setLog(ContactCodec.wire(mallory.log)).build();
    assertEquals(SignedText.Failure.BAD_SIGNATURE, failure(verify(stolen)));
    SignedMessage badLog = m.toBuilder().setLog(dev.wormholes.people.wire.KeyLogWire.getDefaultInstance()).build();
    assertEquals(SignedText.Failure.BAD_LOG, failure(verify(badLog)));
    assertEquals(SignedText.Failure.NOT_ARMORED, failure(SignedText.verify("hello")));
    assertEquals(SignedText.Failure.NOT_ARMORED, failure(SignedText.verify(armored.replace("-----END", "--END"))));
    assertEquals(SignedText.Failure.NOT_ARMORED, failure(SignedText.verify(armored.replaceFirst("\n[A-Za-z0-9+/]", "\n!"))));
    assertEquals(SignedText.Failure.MALFORMED, failure(SignedText.verify(Armor.encode(SignedText.LABEL, new byte[] {(byte) 0xff}))));
    assertEquals(SignedText.Failure.TOO_LARGE, failure(SignedText.verify("x".repeat(SignedText.MAX_ARMORED + 1))));
  }

  @Test
  void anySingleCharacterChangeFailsOrLeavesTheSameMessageAndSigner() {
    String armored = SignedText.sign(hello, alice.signer, alice.log);
    int begin = armored.indexOf('\n') + 1;
    int end = armored.indexOf("-----END");
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    qt().withExamples(300).forAll(integers().between(begin, end - 1), integers().between(0, 63)).checkAssert((at, c) -> {
      char ch = armored.charAt(at);
      if (ch == '\n' || ch == '=') {
        return;
      }
      String mutated = armored.substring(0, at) + alphabet.charAt(c) + armored.substring(at + 1);
      if (SignedText.verify(mutated) instanceof SignedText.Result.Valid v) {
        assertArrayEquals(hello, v.message(), "position " + at);
        assertEquals(alice.state(), v.log().state(), "position " + at);
      }
    });
  }

  private static SignedText.Result verify(SignedMessage m) {
    return SignedText.verify(Armor.encode(SignedText.LABEL, m.toByteArray()));
  }

  private static SignedMessage parse(String armored) {
    try {
      return SignedMessage.parseFrom(Armor.decode(SignedText.LABEL, armored).orElseThrow());
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }
}
