package dev.wormholes.node.networks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.networks.Keyring;
import dev.wormholes.networks.NetworkInvites;
import dev.wormholes.networks.Payloads;
import dev.wormholes.networks.SealKey;
import dev.wormholes.networks.wire.InviteLink;
import dev.wormholes.node.WormholesNode;
import dev.wormholes.proto.Identity;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A join request from an address that never echoed the inviter's cookie gets the cookie only (in
 * process, loopback): a holder of the link seals bob's join request and sends it from a victim's
 * address; the victim receives one small challenge, never the roster, and the invite is not used:
 * bob, asking from his own node, joins with the same link.
 */
class NetworkJoinCookieTest {
  private WormholesNode alice;
  private WormholesNode bob;

  @AfterEach
  void stop() {
    KeptNodes.close(alice, bob);
  }

  @Test
  void aJoinFromAForgedSourceGetsTheCookieOnlyAndUsesNothing() throws Exception {
    alice = KeptNodes.inMemory("127.0.33.1");
    bob = KeptNodes.inMemory("127.0.33.2");
    alice.networks().create("friends").join();
    String text = alice.networks().invite("friends", false, 60).join();
    InviteLink link = NetworkInvites.parseLink(text).orElseThrow();
    Identity someone = Identity.generate(new Random(33));
    Keyring<String> keys = new Keyring<>(new Random(34), System.currentTimeMillis(), someone.id());
    keys.install("invite", 0, SealKey.of(link.getSecret().toByteArray(), SealKey.Use.INVITE), System.currentTimeMillis());
    byte[] in = keys.seal("invite", alice.id(), Payloads.of(Payloads.JOIN, NetworkInvites.request(someone, link)),
        System.currentTimeMillis());
    List<Integer> out = new ArrayList<>();
    int sent = 0;
    try (DatagramSocket victim = new DatagramSocket(new InetSocketAddress("127.0.33.66", 0))) {
      victim.setSoTimeout(200);
      // The same datagram again every 3 s until something answers (a datagram lost on a loaded
      // machine): alice opens it once, the copies after that are replays she drops unanswered.
      // Up to 20 s for the first answer, then 1 s for more: a roster would come with it.
      long start = System.currentTimeMillis();
      long deadline = start + 20_000;
      byte[] buf = new byte[2048];
      while (System.currentTimeMillis() < deadline) {
        if (out.isEmpty() && sent < 4 && System.currentTimeMillis() >= start + 3_000L * sent) {
          victim.send(new DatagramPacket(in, in.length, alice.udpAddress()));
          sent++;
        }
        DatagramPacket d = new DatagramPacket(buf, buf.length);
        try {
          victim.receive(d);
          if (out.isEmpty()) {
            deadline = System.currentTimeMillis() + 1_000;
          }
          out.add(d.getLength());
        } catch (SocketTimeoutException e) {
          // nothing yet
        }
      }
    }
    int bytesOut = out.stream().mapToInt(Integer::intValue).sum();
    System.out.printf("join from a forged source: %d bytes in (%d copies), %d datagrams with %d bytes out (%.2fx)%n",
        in.length, sent, out.size(), bytesOut, (double) bytesOut / in.length);
    assertEquals(List.of(Keyring.OVERHEAD + 1 + 16), out,
        "one challenge, no roster, for " + sent + " copies sent; alice: " + alice.networks().status().join());
    assertTrue(bytesOut <= in.length);
    assertEquals(1L, alice.networks().status().join().get("joins_challenged").getAsLong());
    assertEquals("friends", bob.networks().join(text, null).join(), "the link was not used");
    assertEquals(2, alice.networks().list().join().get(0).getAsJsonObject().getAsJsonArray("members").size());
  }
}
