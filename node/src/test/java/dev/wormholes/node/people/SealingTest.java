package dev.wormholes.node.people;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.wormholes.node.api.ApiException;
import dev.wormholes.node.store.MemoryNodeStore;
import dev.wormholes.people.Invite;
import dev.wormholes.people.InviteHandshake;
import dev.wormholes.people.SealedText;
import dev.wormholes.proto.Identity;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** encrypt/decrypt through Tink's HPKE between two in-process personas: round trips, tampering, revoked keys. */
class SealingTest {
  private final AtomicLong now = new AtomicLong(1_800_000_000L);
  private final SecureRandom random = new SecureRandom();
  private final People alice = People.open(new MemoryNodeStore(), Identity.generate(random), random, now::get);
  private final People bob = People.open(new MemoryNodeStore(), Identity.generate(random), random, now::get);

  SealingTest() {
    Invite invite = Invite.parse(alice.invite("bob", 3600).get("link").getAsString()).orElseThrow();
    bob.finishAccept(invite, bob.log(), alice.redeem(InviteHandshake.accept(invite, bob.log(), "")), "alice");
  }

  private static int status(Runnable r) {
    return assertThrows(ApiException.class, r::run).status();
  }

  @Test
  void aMessageEncryptedToAContactOpensOnlyThere() {
    byte[] binary = new byte[70_000];
    random.nextBytes(binary);
    JsonObject sealed = alice.encrypt("bob", binary);
    assertEquals("bob", sealed.get("to").getAsString());
    String armored = "Bob,\n\n" + sealed.get("armored").getAsString() + "\n-- Alice\n";
    JsonObject opened = bob.decrypt(armored);
    assertArrayEquals(binary, Base64.getDecoder().decode(opened.get("messageBase64").getAsString()));
    JsonObject text = bob.decrypt(alice.encrypt(bob.whoami().get("persona").getAsString(),
        "hello, bob\n".getBytes(StandardCharsets.UTF_8)).get("armored").getAsString());
    assertEquals("hello, bob\n", text.get("message").getAsString());
    assertEquals(409, status(() -> alice.decrypt(armored))); // not for alice
    JsonObject self = alice.encrypt(alice.whoami().get("persona").getAsString(), new byte[] {7});
    assertArrayEquals(new byte[] {7}, Base64.getDecoder().decode(
        alice.decrypt(self.get("armored").getAsString()).get("messageBase64").getAsString()));
  }

  @Test
  void tamperedUnknownAndGarbageAreRefusedWithTheirReason() {
    String armored = alice.encrypt("bob", "meet at noon".getBytes(StandardCharsets.UTF_8)).get("armored").getAsString();
    SealedText.Parsed.Sealed s = (SealedText.Parsed.Sealed) SealedText.parse(armored);
    for (int i : new int[] {0, 31, 32, s.sealed().length - 1}) { // the encapsulated key, the ciphertext, the tag
      byte[] changed = s.sealed().clone();
      changed[i] ^= 1;
      ApiException e = assertThrows(ApiException.class,
          () -> bob.decrypt(SealedText.armor(s.persona(), s.signingKey(), changed)));
      assertEquals(422, e.status());
      assertTrue(e.getMessage().contains("changed or damaged"), e.getMessage());
    }
    byte[] cut = java.util.Arrays.copyOf(s.sealed(), 20);
    assertEquals(422, status(() -> bob.decrypt(SealedText.armor(s.persona(), s.signingKey(), cut))));
    assertEquals(400, status(() -> bob.decrypt("no armour here")));
    assertEquals(404, status(() -> alice.encrypt("carol", new byte[1])));
    assertEquals(404, status(() -> alice.encrypt(Identity.generate(random).id().toString(), new byte[1])));
    alice.contact("block", "bob", "");
    assertEquals(409, status(() -> alice.encrypt("bob", new byte[1])));
  }

  @Test
  void aRotationRevokesTheKeyAMessageWasEncryptedTo() {
    String code = bob.takeRecoveryCode().orElseThrow();
    String before = alice.encrypt("bob", new byte[] {1}).get("armored").getAsString();
    bob.rotate(code);
    ApiException e = assertThrows(ApiException.class, () -> bob.decrypt(before));
    assertEquals(409, e.status());
    assertTrue(e.getMessage().contains("earlier key"), e.getMessage());
    // alice still pins bob's old log: what she encrypts now is to the revoked key too, until she follows
    assertEquals(409, status(() -> bob.decrypt(alice.encrypt("bob", new byte[] {2}).get("armored").getAsString())));
    alice.observe(bob.log(), "test");
    String after = alice.encrypt("bob", new byte[] {3}).get("armored").getAsString();
    assertArrayEquals(new byte[] {3}, Base64.getDecoder().decode(bob.decrypt(after).get("messageBase64").getAsString()));
  }
}
