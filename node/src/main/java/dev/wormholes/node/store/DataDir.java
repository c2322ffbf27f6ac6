package dev.wormholes.node.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The data directory of a node (api contract "Data dir"): {@code db/} (LMDB), {@code api.port},
 * {@code api.token}, {@code wormholed.pid}, {@code socks.port}, {@code socks.auth}, {@code socks.url}. Directories are 0700 and files 0600; files the CLI
 * reads are written atomically (temp file + rename) so a reader never sees half a file.
 */
public final class DataDir {
  /** rwx------ */
  public static final Set<PosixFilePermission> DIR_PERMS = PosixFilePermissions.fromString("rwx------");
  /** rw------- */
  public static final Set<PosixFilePermission> FILE_PERMS = PosixFilePermissions.fromString("rw-------");

  private final Path root;

  private DataDir(Path root) {
    this.root = root;
  }

  /** Return the data dir at {@code root}, creating it and {@code db/} with mode 0700 if needed. */
  public static DataDir open(Path root) {
    DataDir d = new DataDir(root.toAbsolutePath());
    d.ensureDir(d.root);
    d.ensureDir(d.db());
    return d;
  }

  /** Return the root directory. */
  public Path root() {
    return root;
  }

  /** Return the LMDB environment directory. */
  public Path db() {
    return root.resolve("db");
  }

  /** Return the path of the {@code api.port} file. */
  public Path apiPortFile() {
    return root.resolve("api.port");
  }

  /** Return the path of the {@code api.token} file. */
  public Path apiTokenFile() {
    return root.resolve("api.token");
  }

  /** Return the path of the {@code socks.port} file ({@code 127.0.0.1:PORT} of the SOCKS proxy). */
  public Path socksPortFile() {
    return root.resolve("socks.port");
  }

  /** Return the path of the {@code socks.auth} file ({@code USER:PASSWORD} of the SOCKS proxy, kept across starts). */
  public Path socksAuthFile() {
    return root.resolve("socks.auth");
  }

  /** Return the path of the {@code socks.url} file ({@code socks5h://USER:PASSWORD@127.0.0.1:PORT}, for curl's -x). */
  public Path socksUrlFile() {
    return root.resolve("socks.url");
  }

  /** Return the path of the {@code wormholed.pid} file. */
  public Path pidFile() {
    return root.resolve("wormholed.pid");
  }

  private void ensureDir(Path dir) {
    try {
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(DIR_PERMS));
      }
      Files.setPosixFilePermissions(dir, DIR_PERMS);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create data directory " + dir, e);
    }
  }

  /** Write {@code text} to {@code target} atomically with mode 0600. */
  public void writeAtomically(Path target, String text) {
    Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
    try {
      Files.deleteIfExists(tmp);
      Files.createFile(tmp, PosixFilePermissions.asFileAttribute(FILE_PERMS));
      Files.write(tmp, text.getBytes(StandardCharsets.UTF_8));
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target, e);
    }
  }

  /** Return the text of {@code file}, or null if it does not exist or cannot be read. */
  public String readOrNull(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return null;
    }
  }

  /** Delete {@code file} if it exists; ignore failures (used on shutdown). */
  public void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // Nothing to do on shutdown; a stale file is overwritten at the next start.
    }
  }
}
