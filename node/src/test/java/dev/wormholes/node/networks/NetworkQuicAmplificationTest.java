package dev.wormholes.node.networks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.networks.BoxKeys;
import dev.wormholes.networks.Keyring;
import dev.wormholes.networks.NetworkInvites;
import dev.wormholes.networks.Payloads;
import dev.wormholes.networks.Roster;
import dev.wormholes.networks.SealKey;
import dev.wormholes.networks.wire.InviteLink;
import dev.wormholes.node.WormholesNode;
import dev.wormholes.node.stream.StreamTransport;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A QUIC handshake inside a network answered toward an address nobody proved stays within QUIC's
 * own limit of three times the bytes received (RFC 9000, section 8.1), counted on real sockets (in
 * process, loopback). A member's first QUIC datagram to an address is sealed for anyone holding the
 * key, so a capture of it can be replayed from any source address to any member within the clock
 * window; the member's QUIC server answers that address with its first flight (and its
 * retransmissions), which quiche holds to 3x until the address is validated.
 *
 * <p>The test joins alice's network without a node ({@link RawJoiner}: it holds the epoch key),
 * captures a QUIC client's Initial on a plain socket, seals it for anyone and sends it to alice
 * once from a victim's address, then counts every byte alice sends there for 3 s.
 */
class NetworkQuicAmplificationTest {
  private WormholesNode alice;

  @AfterEach
  void stop() {
    KeptNodes.close(alice);
  }

  @Test
  void aHandshakeAnswerToAnUnprovenAddressIsAtMostThreeTimesWhatItGot() throws Exception {
    alice = KeptNodes.inMemory("127.0.36.1");
    alice.networks().create("friends").join();
    InviteLink link = NetworkInvites.parseLink(alice.networks().invite("friends", false, 60).join()).orElseThrow();
    byte[] initial;
    Keyring<String> keys;
    try (RawJoiner member = new RawJoiner(36, "127.0.36.2", link)) {
      assertEquals(Payloads.ANSWER, member.ask(alice.id(), alice.udpAddress()));
      Roster roster = member.roster().orElseThrow();
      byte[] epochKey = roster.epochKey(member.identity.id(), BoxKeys.privateOf(member.identity)).orElseThrow().key();
      long now = System.currentTimeMillis();
      keys = new Keyring<>(new Random(37), now, member.identity.id());
      keys.install("friends", roster.epoch(), SealKey.of(epochKey, SealKey.Use.EPOCH), now);
      initial = initial(member, alice);
    }
    byte[] in = keys.seal("friends", null, Payloads.of(Payloads.QUIC, initial), System.currentTimeMillis());
    List<Integer> out = new ArrayList<>();
    try (DatagramSocket victim = new DatagramSocket(new InetSocketAddress("127.0.36.66", 0))) {
      victim.send(new DatagramPacket(in, in.length, alice.udpAddress()));
      victim.setSoTimeout(200);
      long deadline = System.currentTimeMillis() + 3_000; // the first flight and its retransmissions
      byte[] buf = new byte[2048];
      while (System.currentTimeMillis() < deadline) {
        DatagramPacket d = new DatagramPacket(buf, buf.length);
        try {
          victim.receive(d);
          out.add(d.getLength());
        } catch (SocketTimeoutException e) {
          // nothing more yet
        }
      }
    }
    int sealedOut = out.stream().mapToInt(Integer::intValue).sum();
    int perDatagram = Keyring.OVERHEAD + 1; // the seal and the QUIC kind byte
    int quicOut = sealedOut - out.size() * perDatagram;
    System.out.printf("QUIC Initial from an unproven address inside a network: %d bytes in (QUIC %d), %d datagrams"
            + " with %d bytes out (QUIC %d): sealed %.2fx, QUIC %.2fx%n",
        in.length, initial.length, out.size(), sealedOut, quicOut, (double) sealedOut / in.length,
        (double) quicOut / initial.length);
    assertTrue(quicOut > 0, "alice's QUIC server answered the replayed Initial");
    assertTrue(quicOut <= 3 * initial.length, quicOut + " QUIC bytes out for " + initial.length);
  }

  /** Return the first datagram a QUIC client of {@code member}'s identity sends toward a plain socket (its Initial). */
  private static byte[] initial(RawJoiner member, WormholesNode to) throws Exception {
    try (DatagramSocket capture = new DatagramSocket(new InetSocketAddress("127.0.36.3", 0))) {
      StreamTransport client = StreamTransport.builder(member.identity)
          .bind(new InetSocketAddress("127.0.36.4", 0)).loopbackPayload(0).build();
      try {
        client.connect((InetSocketAddress) capture.getLocalSocketAddress(), to.id(), "svc", 0);
        capture.setSoTimeout(10_000);
        DatagramPacket d = new DatagramPacket(new byte[2048], 2048);
        capture.receive(d);
        return Arrays.copyOf(d.getData(), d.getLength());
      } finally {
        client.close();
      }
    }
  }
}
