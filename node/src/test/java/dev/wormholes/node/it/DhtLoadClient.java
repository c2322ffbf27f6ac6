package dev.wormholes.node.it;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.Limits;
import dev.wormholes.proto.wire.ErrorCode;
import dev.wormholes.proto.wire.GetValue;
import dev.wormholes.proto.wire.Packet;
import dev.wormholes.proto.wire.Ping;
import dev.wormholes.proto.wire.PutValue;
import dev.wormholes.proto.wire.StoredValue;
import java.io.IOException;
import java.io.PrintStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A raw DHT client that process tests run inside their namespace (the test JVM itself is outside
 * it): it speaks the wire protocol to one node over plain UDP sockets. Every mode is bounded in
 * time and count. Modes:
 *
 * <ul>
 *   <li>{@code put NODE SRC_IP PREFIX RATE SECONDS}: PUT immutable values {@code PREFIX i} at
 *       RATE per second from one socket, for at most SECONDS (or until stdin closes); print {@code
 *       ACK i} for each acknowledgement. A refused token is fetched again (the node restarted).
 *   <li>{@code flood NODE SRC_IP SOCKETS RATE SECONDS}: PUT fresh values from SOCKETS source ports
 *       of one IP at RATE per second in all; print {@code FLOOD sent=N acked=M}.
 *   <li>{@code probe NODE SRC_IP COUNT INTERVAL_MS}: COUNT GETs one after another; print {@code RTT
 *       micros} per answer and {@code LOST n}.
 * </ul>
 */
public final class DhtLoadClient {
  private final DatagramSocket socket;
  private final InetSocketAddress node;
  private final Random random;
  private final byte[] senderId;
  private volatile ByteString token = ByteString.EMPTY;

  private DhtLoadClient(String srcIp, InetSocketAddress node, long seed) throws IOException {
    this.socket = new DatagramSocket(new InetSocketAddress(srcIp, 0));
    this.socket.setSoTimeout(200);
    this.socket.setReceiveBufferSize(1 << 20);
    this.node = node;
    this.random = new Random(seed);
    // An id with the public network's work: the node drops datagrams from ids without it.
    this.senderId = dev.wormholes.proto.KeyProofs.grind(random, dev.wormholes.dht.DhtConfig.PUBLIC_ID_WORK_BITS, null)
        .id().toBytes();
  }

  /** Return a process builder that runs this client with {@code args} inside {@code c}'s namespace. */
  static ProcessBuilder process(Cluster c, String... args) {
    List<String> cmd = new ArrayList<>(List.of(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java")
        .toString(), "-Xmx128m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
        DhtLoadClient.class.getName()));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(c.inNamespace(cmd.toArray(String[]::new))).redirectError(ProcessBuilder.Redirect.INHERIT);
  }

  /** Entry point; see the class comment for the modes. */
  public static void main(String[] args) throws Exception {
    String[] hp = args[1].split(":");
    InetSocketAddress node = new InetSocketAddress(hp[0], Integer.parseInt(hp[1]));
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    switch (args[0]) {
      case "put" -> new DhtLoadClient(args[2], node, System.nanoTime())
          .put(args[3], Double.parseDouble(args[4]), Long.parseLong(args[5]), out);
      case "flood" -> flood(node, args[2], Integer.parseInt(args[3]), Double.parseDouble(args[4]),
          Long.parseLong(args[5]), out);
      case "probe" -> new DhtLoadClient(args[2], node, System.nanoTime())
          .probe(Integer.parseInt(args[3]), Long.parseLong(args[4]), out);
      default -> throw new IllegalArgumentException("unknown mode " + args[0]);
    }
    out.flush();
    System.exit(0);
  }

  /** Return the immutable value {@code PREFIX i}. */
  static StoredValue value(String prefix, long i) {
    return DhtValues.immutable((prefix + " " + i).getBytes(StandardCharsets.UTF_8));
  }

  private Packet.Builder request() {
    return Packet.newBuilder().setMagic(Limits.MAGIC).setVersion(Limits.PROTOCOL_VERSION).setNetworkId(0)
        .setTxid(random.nextLong()).setSenderId(ByteString.copyFrom(senderId)).setToken(token);
  }

  private void send(Packet p) throws IOException {
    byte[] b = p.toByteArray();
    socket.send(new DatagramPacket(b, b.length, node));
  }

  // Next datagram from the node, or null after the socket timeout.
  private Packet receive() throws IOException {
    byte[] buf = new byte[2048];
    DatagramPacket d = new DatagramPacket(buf, buf.length);
    try {
      socket.receive(d);
    } catch (SocketTimeoutException e) {
      return null;
    }
    try {
      Packet r = Packet.parseFrom(Arrays.copyOf(d.getData(), d.getLength()));
      if (!r.getToken().isEmpty()) {
        token = r.getToken();
      }
      return r;
    } catch (InvalidProtocolBufferException e) {
      return null;
    }
  }

  private void ping() throws IOException {
    send(request().setPing(Ping.getDefaultInstance()).setPadding(ByteString.copyFrom(new byte[200])).build());
  }

  private void put(String prefix, double rate, long seconds, PrintStream out) throws Exception {
    Map<Long, Long> outstanding = new ConcurrentHashMap<>();
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    Thread reader = new Thread(() -> {
      try {
        while (System.nanoTime() < end) {
          Packet r = receive();
          if (r == null) continue;
          Long i = outstanding.remove(r.getTxid());
          if (i != null && r.hasPutAck()) {
            out.println("ACK " + i);
          } else if (r.hasError() && r.getError().getCode() == ErrorCode.ERROR_BAD_TOKEN) {
            token = ByteString.EMPTY;
          }
        }
      } catch (IOException e) {
        // socket closed: done
      }
    }, "reader");
    reader.setDaemon(true);
    reader.start();
    Thread stdinWatch = new Thread(() -> {
      try {
        while (System.in.read() >= 0) { }
      } catch (IOException e) {
        // closed
      }
      System.exit(0);
    }, "stdin");
    stdinWatch.setDaemon(true);
    stdinWatch.start();
    long periodNanos = (long) (1e9 / rate);
    long next = System.nanoTime();
    long i = 0;
    long lastPing = 0;
    while (System.nanoTime() < end) {
      if (token.isEmpty()) {
        if (System.nanoTime() - lastPing > 100_000_000L) {
          ping();
          lastPing = System.nanoTime();
        }
        Thread.sleep(5);
        continue;
      }
      Packet p = request().setPutValue(PutValue.newBuilder().setValue(value(prefix, i))).build();
      outstanding.put(p.getTxid(), i);
      send(p);
      i++;
      next += periodNanos;
      long wait = next - System.nanoTime();
      if (wait > 0) {
        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
      } else if (wait < -1_000_000_000L) {
        next = System.nanoTime(); // fell behind (node down): do not burst to catch up
      }
    }
  }

  private static void flood(InetSocketAddress node, String srcIp, int sockets, double rate, long seconds,
      PrintStream out) throws Exception {
    List<DhtLoadClient> clients = new ArrayList<>();
    java.util.concurrent.atomic.AtomicLong acked = new java.util.concurrent.atomic.AtomicLong();
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    for (int s = 0; s < sockets; s++) {
      DhtLoadClient c = new DhtLoadClient(srcIp, node, 1000 + s);
      clients.add(c);
      Thread reader = new Thread(() -> {
        try {
          while (System.nanoTime() < end + 1_000_000_000L) {
            Packet r = c.receive();
            if (r != null && r.hasPutAck()) acked.incrementAndGet();
          }
        } catch (IOException e) {
          // closed
        }
      }, "flood-reader-" + s);
      reader.setDaemon(true);
      reader.start();
      c.ping(); // each source port learns its token
    }
    Thread.sleep(500);
    long periodNanos = (long) (1e9 / rate);
    long next = System.nanoTime();
    long sent = 0;
    String prefix = "flood " + System.nanoTime();
    while (System.nanoTime() < end) {
      DhtLoadClient c = clients.get((int) (sent % sockets));
      c.send(c.request().setPutValue(PutValue.newBuilder().setValue(value(prefix, sent))).build());
      sent++;
      next += periodNanos;
      long wait = next - System.nanoTime();
      if (wait > 1_000_000) {
        Thread.sleep(wait / 1_000_000);
      }
    }
    Thread.sleep(1000);
    out.println("FLOOD sent=" + sent + " acked=" + acked.get() + " in " + seconds + " s");
  }

  private void probe(int count, long intervalMs, PrintStream out) throws Exception {
    int lost = 0;
    byte[] key = new byte[32];
    for (int n = 0; n < count; n++) {
      random.nextBytes(key);
      Packet p = request().setGetValue(GetValue.newBuilder().setKey(ByteString.copyFrom(key))).build();
      long t0 = System.nanoTime();
      send(p);
      Packet r;
      do {
        r = receive();
      } while (r != null && r.getTxid() != p.getTxid());
      if (r == null) {
        lost++;
      } else {
        out.println("RTT " + (System.nanoTime() - t0) / 1000);
      }
      Thread.sleep(intervalMs);
    }
    out.println("LOST " + lost);
  }

}
