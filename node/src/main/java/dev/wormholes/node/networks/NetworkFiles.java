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
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The networks a node belongs to, kept in {@code DATA/networks/}: {@code NAME.roster} (the
 * encoded roster; the epoch key is not stored: it is opened again from the roster's grant with the
 * node's identity) and {@code NAME.peers} (addresses of the network's contacts, one per line, to
 * rejoin from). Written atomically (temp file, then move).
 */
final class NetworkFiles {
  /** A network's local name: lowercase letters, digits and dashes, 1 to 32. */
  static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,31}");

  private final Path dir;

  NetworkFiles(Path dir) {
    this.dir = dir;
  }

  /** Return the names of the networks kept. */
  List<String> names() {
    if (dir == null || !Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".roster"))
          .map(n -> n.substring(0, n.length() - ".roster".length())).filter(n -> NAME.matcher(n).matches())
          .sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  byte[] roster(String name) {
    try {
      return Files.readAllBytes(dir.resolve(name + ".roster"));
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
    write(name + ".roster", roster);
  }

  void savePeers(String name, List<InetSocketAddress> peers) {
    StringBuilder b = new StringBuilder();
    peers.forEach(a -> b.append(a.getAddress().getHostAddress()).append(':').append(a.getPort()).append('\n'));
    write(name + ".peers", b.toString().getBytes(StandardCharsets.UTF_8));
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

  private void write(String file, byte[] bytes) {
    if (dir == null) {
      return;
    }
    try {
      Files.createDirectories(dir);
      Path tmp = dir.resolve(file + ".tmp");
      Files.write(tmp, bytes);
      Files.move(tmp, dir.resolve(file), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
