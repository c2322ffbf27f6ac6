package dev.wormholes.node.networks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The networks a node belongs to, kept in {@code DATA/networks/}: {@code NAME.roster} (the
 * encoded roster; the epoch key is not stored: it is opened again from the roster's grant with the
 * node's identity) and {@code NAME.peers} (addresses of the network's contacts, one per line, to
 * rejoin from), {@code NAME.removed} (the roster with the signed removal of this node: the
 * notice {@code networks} shows), and {@code invites.bin} (the pending and used invites of every network this node
 * is an admin of: {@code NetworkInvites#encode}; owner-only, it holds the links' secrets). Written
 * atomically (temp file, then move); rosters and invites are forced to the disk first, so that a
 * crash loses no change that was used.
 */
final class NetworkFiles {

  private final Path dir;

  NetworkFiles(Path dir) {
    this.dir = dir;
  }

  /** Return the names of the networks kept. */
  List<String> names() {
    return list(".roster");
  }

  /** Return the names of the networks this node was removed from (a notice kept for each). */
  List<String> removedNames() {
    return list(".removed");
  }

  private List<String> list(String suffix) {
    if (dir == null || !Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(suffix))
          .map(n -> n.substring(0, n.length() - suffix.length())).filter(PrivateNetworks::validName)
          .sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  byte[] roster(String name) {
    return read(name + ".roster");
  }

  /** Return the notice of removal from network {@code name}: the roster with the signed removal. */
  byte[] removed(String name) {
    return read(name + ".removed");
  }

  void saveRemoved(String name, byte[] roster) {
    write(name + ".removed", roster, true);
  }

  void deleteRemoved(String name) {
    if (dir != null) {
      try {
        Files.deleteIfExists(dir.resolve(name + ".removed"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private byte[] read(String file) {
    try {
      return Files.readAllBytes(dir.resolve(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  List<InetSocketAddress> peers(String name) {
    Path p = dir.resolve(name + ".peers");
    List<InetSocketAddress> out = new ArrayList<>();
    try {
      if (Files.exists(p)) {
        for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
          int colon = line.lastIndexOf(':');
          if (colon > 0 && out.size() < 64) {
            try {
              out.add(new InetSocketAddress(line.substring(0, colon), Integer.parseInt(line.substring(colon + 1).trim())));
            } catch (IllegalArgumentException e) {
              // a bad line: skip it
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  void saveRoster(String name, byte[] roster) {
    write(name + ".roster", roster, true);
  }

  /** Return the kept invites, or empty if there are none. */
  java.util.Optional<byte[]> invites() {
    Path p = dir == null ? null : dir.resolve(INVITES);
    try {
      return p != null && Files.exists(p) ? java.util.Optional.of(Files.readAllBytes(p)) : java.util.Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Keep the invites (before any answer that depends on them leaves). */
  void saveInvites(byte[] encoded) {
    write(INVITES, encoded, true);
  }

  private static final String INVITES = "invites.bin";

  void savePeers(String name, List<InetSocketAddress> peers) {
    StringBuilder b = new StringBuilder();
    peers.forEach(a -> b.append(a.getAddress().getHostAddress()).append(':').append(a.getPort()).append('\n'));
    write(name + ".peers", b.toString().getBytes(StandardCharsets.UTF_8), false);
  }

  /** Forget network {@code name} (this node was removed from it). */
  void delete(String name) {
    if (dir == null) {
      return;
    }
    try {
      Files.deleteIfExists(dir.resolve(name + ".roster"));
      Files.deleteIfExists(dir.resolve(name + ".peers"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void write(String file, byte[] bytes, boolean durable) {
    if (dir == null) {
      return;
    }
    try {
      Files.createDirectories(dir);
      Path tmp = dir.resolve(file + ".tmp");
      Files.deleteIfExists(tmp);
      try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(tmp,
          java.util.Set.of(java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE),
          java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
              java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")))) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
          ch.write(b);
        }
        if (durable) {
          ch.force(true);
        }
      }
      Files.move(tmp, dir.resolve(file), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
