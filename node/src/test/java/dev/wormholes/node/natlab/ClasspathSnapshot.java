package dev.wormholes.node.natlab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A private copy of the project's own classes and jars on a classpath, so that the daemons of a
 * lab run keep working while someone rebuilds {@code node/target/classes} or reinstalls a module
 * into {@code ~/.m2} in the same tree (a JVM whose classes vanish mid-run fails with "Could not
 * find or load main class").
 */
final class ClasspathSnapshot {
  private ClasspathSnapshot() {}

  /**
   * Copy every directory entry of {@code classpath} (build output; {@code test-classes} is left
   * out: the daemons do not need it) and every {@code dev/wormholes} jar into {@code into}, and
   * return the classpath with those entries replaced by their copies.
   */
  static String of(String classpath, Path into) throws IOException {
    Files.createDirectories(into);
    List<String> out = new ArrayList<>();
    int n = 0;
    for (String entry : classpath.split(java.io.File.pathSeparator)) {
      Path p = Path.of(entry);
      if (Files.isDirectory(p)) {
        if (p.getFileName().toString().equals("test-classes")) {
          continue;
        }
        Path copy = into.resolve("dir" + n++);
        copyTree(p, copy);
        out.add(copy.toString());
      } else if (Files.isRegularFile(p) && entry.contains("/dev/wormholes/")) {
        Path copy = into.resolve(n++ + "-" + p.getFileName());
        Files.copy(p, copy, StandardCopyOption.REPLACE_EXISTING);
        out.add(copy.toString());
      } else {
        out.add(entry);
      }
    }
    return String.join(java.io.File.pathSeparator, out);
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path src : (Iterable<Path>) paths::iterator) {
        Path dst = to.resolve(from.relativize(src).toString());
        if (Files.isDirectory(src)) {
          Files.createDirectories(dst);
        } else {
          Files.copy(src, dst, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }
}
