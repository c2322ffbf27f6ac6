package dev.wormholes.node.stream;

import dev.wormholes.node.stream.IdentityCertificates.Rejected;
import dev.wormholes.node.stream.IdentityCertificates.Verification;
import dev.wormholes.node.stream.IdentityCertificates.Verified;
import dev.wormholes.proto.NodeId;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trust a peer's certificate chain exactly when {@link IdentityCertificates#verify} proves a node
 * id with it, and, for connections this node dials, when that id is the one pinned for the
 * connection's {@link SSLEngine}. There are no certificate authorities and no host names.
 *
 * <p>Pins are registered by {@link StreamTransport} when it creates a client engine and removed
 * when the handshake verdict is in (or the connection dies), so the map stays as small as the
 * number of handshakes in flight.
 */
final class IdentityTrustManager extends X509ExtendedTrustManager {
  private final Clock clock;
  // Written by the dialing thread, read and removed on the event loop: hence concurrent.
  private final Map<SSLEngine, NodeId> pins = new ConcurrentHashMap<>();

  IdentityTrustManager(Clock clock) {
    this.clock = clock;
  }

  /** Require that the peer of {@code engine} proves {@code expected}. */
  void pin(SSLEngine engine, NodeId expected) {
    pins.put(engine, expected);
  }

  /** Forget the pin of {@code engine}, if any. */
  void unpin(SSLEngine engine) {
    pins.remove(engine);
  }

  /** Return the number of pins held (for leak tests). */
  int pinCount() {
    return pins.size();
  }

  private NodeId check(X509Certificate[] chain, NodeId expected) throws CertificateException {
    Verification v = IdentityCertificates.verify(chain, clock.instant());
    if (v instanceof Rejected) {
      Rejected r = (Rejected) v;
      throw new CertificateException("peer certificate rejected: " + r.reason() + ": " + r.detail());
    }
    NodeId proven = ((Verified) v).nodeId();
    if (expected != null && !expected.equals(proven)) {
      throw new CertificateException(IdentityCertificates.Reason.UNEXPECTED_NODE_ID
          + ": expected " + expected + ", peer proved " + proven);
    }
    return proven;
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    NodeId expected = engine == null ? null : pins.remove(engine);
    if (expected == null) {
      // A dial without a pin is a bug on our side: refuse rather than trust anyone.
      throw new CertificateException("no expected node id pinned for this connection");
    }
    check(chain, expected);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    check(chain, null); // Anyone who proves some id may connect; services apply allow-lists.
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    throw new CertificateException("only QUIC engines are supported");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    check(chain, null);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    throw new CertificateException("a dial needs its engine to know the pinned node id");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    check(chain, null);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }
}
