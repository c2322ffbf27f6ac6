package dev.wormholes.node.networks;

import dev.wormholes.networks.AddressCookies;
import dev.wormholes.networks.Fragments;
import dev.wormholes.networks.Keyring;
import dev.wormholes.networks.NetworkInvites;
import dev.wormholes.networks.Payloads;
import dev.wormholes.networks.Roster;
import dev.wormholes.networks.RosterResult;
import dev.wormholes.networks.SealKey;
import dev.wormholes.networks.wire.InviteLink;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;

/**
 * A joiner without a node, for the tests of this package: an identity that seals its own join
 * requests with an invite link's key on a plain socket (loopback), follows the inviter's cookie
 * challenge as a node does, and reads the answer; the tests use it to ask again with a used link
 * or to hold a network's epoch key without running a node.
 */
final class RawJoiner implements AutoCloseable {
  /** The joiner's identity. */
  final Identity identity;
  private final DatagramSocket socket;
  private final Keyring<String> keys;
  private final Fragments fragments = new Fragments();
  private final InviteLink link;
  private Roster roster;

  /** A joiner {@code seed} at {@code ip} (any port) with {@code link}. */
  RawJoiner(long seed, String ip, InviteLink link) throws Exception {
    this.identity = Identity.generate(new Random(seed));
    this.link = link;
    this.socket = new DatagramSocket(new InetSocketAddress(ip, 0));
    long now = System.currentTimeMillis();
    this.keys = new Keyring<>(new Random(seed + 1), now, identity.id());
    keys.install("invite", 0, SealKey.of(link.getSecret().toByteArray(), SealKey.Use.INVITE), now);
  }

  /**
   * Send the join request to {@code inviter} at {@code at}, echo the cookie it is challenged with,
   * and return the kind of the answer to that ({@link Payloads#ANSWER}, whose roster is kept: {@link
   * #roster}, or {@link Payloads#REFUSED}). A request is sent again after 5 s without an answer (a
   * datagram lost on a loaded machine), at most 8 times.
   */
  byte ask(NodeId inviter, InetSocketAddress at) throws Exception {
    byte[] cookie = null;
    for (int attempt = 0; attempt < 8; attempt++) {
      byte[] request = cookie == null ? NetworkInvites.request(identity, link)
          : NetworkInvites.request(identity, link, cookie);
      byte[] d = keys.seal("invite", inviter, Payloads.of(Payloads.JOIN, request), System.currentTimeMillis());
      socket.send(new DatagramPacket(d, d.length, at));
      byte[] p = receive(5_000);
      if (p == null) {
        continue;
      }
      if (p[0] == Payloads.JOIN_COOKIE && p.length == 1 + AddressCookies.BYTES) {
        cookie = Arrays.copyOfRange(p, 1, p.length);
        continue;
      }
      for (byte[] f = p; f != null; f = receive(300)) { // the roster's other fragments
        if (f[0] == Payloads.ANSWER) {
          fragments.add(at, f, System.currentTimeMillis()).map(Roster::decode)
              .filter(RosterResult.Valid.class::isInstance)
              .ifPresent(r -> roster = ((RosterResult.Valid) r).roster());
        }
      }
      return p[0];
    }
    throw new AssertionError("no answer to the join request");
  }

  /** Return the roster the last answer carried, if one did. */
  Optional<Roster> roster() {
    return Optional.ofNullable(roster);
  }

  /** Return the plaintext of the next datagram that opens within {@code ms}, or null. */
  private byte[] receive(int ms) throws Exception {
    DatagramPacket d = new DatagramPacket(new byte[2048], 2048);
    socket.setSoTimeout(ms);
    try {
      socket.receive(d);
    } catch (SocketTimeoutException e) {
      return null;
    }
    Keyring.Opened<String> o = keys.open(Arrays.copyOf(d.getData(), d.getLength()), System.currentTimeMillis());
    return o instanceof Keyring.Opened.Ok<String> ok && ok.plaintext().length > 0 ? ok.plaintext() : null;
  }

  @Override
  public void close() {
    socket.close();
  }
}
