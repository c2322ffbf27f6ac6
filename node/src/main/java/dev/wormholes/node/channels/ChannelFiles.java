package dev.wormholes.node.channels;

import dev.wormholes.people.channels.Channel;
import dev.wormholes.people.channels.Channels;
import dev.wormholes.people.channels.wire.SignedPost;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Channels kept in {@code DATA/channels/}: {@code ID.channel} (roster and epoch keys, written
 * atomically), {@code ID.posts} (every post taken, appended as a 4-byte length and the signed
 * post) and {@code invites.bin} (pending and used invites). Every write is forced to the disk
 * before the engine's next output leaves the node, so a crash loses nothing that was answered or
 * shown. Reading stops at a truncated tail. Files are owner-only: they hold epoch keys.
 */
final class ChannelFiles {
  private static final String RECORD = ".channel";
  private static final String POSTS = ".posts";
  private static final String INVITES = "invites.bin";

  private final Path dir;

  ChannelFiles(Path dir) {
    this.dir = dir;
  }

  /** Store one engine output. */
  void save(Channels.Save s) {
    try {
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      }
      if (s instanceof Channels.Save.Record r) {
        atomically(dir.resolve(r.channel().text() + RECORD), r.record());
      } else if (s instanceof Channels.Save.Post p) {
        append(dir.resolve(p.channel().text() + POSTS), p.post().toByteArray());
      } else if (s instanceof Channels.Save.Invites i) {
        atomically(dir.resolve(INVITES), i.invites());
      } else if (s instanceof Channels.Save.Gone g) {
        Files.deleteIfExists(dir.resolve(g.channel().text() + POSTS));
        Files.deleteIfExists(dir.resolve(g.channel().text() + RECORD));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Return the stored channels (id text to record) and each one's posts in the order taken. */
  Map<String, byte[]> records() {
    Map<String, byte[]> out = new LinkedHashMap<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.sorted().toList()) {
        String n = p.getFileName().toString();
        if (n.endsWith(RECORD)) {
          out.put(n.substring(0, n.length() - RECORD.length()), Files.readAllBytes(p));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /** Return the posts stored for channel {@code id}, up to a truncated tail. */
  List<SignedPost> posts(String id) {
    List<SignedPost> out = new ArrayList<>();
    Path p = dir.resolve(id + POSTS);
    if (!Files.exists(p)) {
      return out;
    }
    try {
      ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(p));
      while (b.remaining() >= 4 && out.size() < Channel.MAX_POSTS * 2) {
        int n = b.getInt();
        if (n < 0 || n > Channel.MAX_POST_BYTES || n > b.remaining()) {
          break;
        }
        byte[] one = new byte[n];
        b.get(one);
        out.add(SignedPost.parseFrom(one));
      }
    } catch (IOException e) {
      // A damaged record ends the readable part; the posts come again from other members.
    }
    return out;
  }

  /** Return the stored invites, if any. */
  Optional<byte[]> invites() {
    try {
      Path p = dir.resolve(INVITES);
      return Files.exists(p) ? Optional.of(Files.readAllBytes(p)) : Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void append(Path p, byte[] bytes) throws IOException {
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND)) {
      ch.write(ByteBuffer.allocate(4 + bytes.length).putInt(bytes.length).put(bytes).flip());
      ch.force(true);
    }
  }

  private static void atomically(Path p, byte[] bytes) throws IOException {
    Path tmp = p.resolveSibling(p.getFileName() + ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ch.write(ByteBuffer.wrap(bytes));
      ch.force(true);
    }
    Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
