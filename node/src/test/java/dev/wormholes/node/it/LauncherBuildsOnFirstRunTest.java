package dev.wormholes.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code bin/wormholes} on a clone that was never built: called through a symlink from elsewhere,
 * it finds its repo, runs {@code ./mvnw -q -B -DskipTests install} there once (a stand-in mvnw
 * that lays out node/target from this test's classpath), then runs the CLI from
 * {@code node/target}. No daemon and no network are involved.
 */
class LauncherBuildsOnFirstRunTest {
  @Test
  void buildsOnceThenRunsFromNodeTarget() throws IOException {
    // Not @TempDir: its cleanup warns about every symlink to a jar in ~/.m2.
    Path tmp = Files.createTempDirectory("wh-launcher-");
    try {
      buildsOnceThenRunsFromNodeTarget(tmp);
    } finally {
      try (Stream<Path> paths = Files.walk(tmp)) {
        // Deleting a symlink never touches its target.
        paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private void buildsOnceThenRunsFromNodeTarget(Path tmp) throws IOException {
    Path repo = Files.createDirectories(tmp.resolve("clone"));
    Path bin = Files.createDirectories(repo.resolve("bin"));
    Files.copy(realLauncher(), bin.resolve("wormholes"));
    executable(bin.resolve("wormholes"));
    Path staged = stageNodeTarget(tmp.resolve("staged"));
    Files.writeString(repo.resolve("mvnw"), "#!/bin/sh\n"
        + "echo \"$@\" >> mvnw-calls.txt\n"
        + "echo 'stand-in maven output'\n"
        + "cp -r '" + staged + "' node/target\n");
    executable(repo.resolve("mvnw"));
    Path link = tmp.resolve("elsewhere/wh");
    Files.createDirectories(link.getParent());
    Files.createSymbolicLink(link, bin.resolve("wormholes"));
    Files.createDirectories(repo.resolve("node"));
    Path data = tmp.resolve("no-daemon-here");

    Exec.Result first = Exec.run(List.of(link.toString(), "--data", data.toString(), "id"), Map.of(), 120);
    assertEquals(3, first.exit(), first.toString());
    assertTrue(first.err().contains("wormholes: building Wormholes first"), first.err());
    assertTrue(first.err().contains("stand-in maven output"), "maven's output goes to stderr: " + first);
    assertTrue(first.err().contains("wormholes: no daemon is running for data dir " + data), first.err());
    assertEquals("", first.out(), "stdout stays clean for scripts");
    assertEquals("-q -B -DskipTests install\n", Files.readString(repo.resolve("mvnw-calls.txt")));

    Exec.Result second = Exec.run(List.of(link.toString(), "--data", data.toString(), "id"), Map.of(), 120);
    assertEquals(3, second.exit(), second.toString());
    assertFalse(second.err().contains("building"), "built once only: " + second.err());
    assertEquals(1, Files.readAllLines(repo.resolve("mvnw-calls.txt")).size());
  }

  private static Path realLauncher() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isExecutable(p.resolve("bin/wormholes"))) {
        return p.resolve("bin/wormholes");
      }
    }
    throw new AssertionError("no bin/wormholes above " + Path.of("").toAbsolutePath());
  }

  /**
   * Lay out what the build leaves in node/target: wormholes-node-*.jar (here: the compiled main
   * classes) and lib/ (here: links to this test's dependency jars).
   */
  private static Path stageNodeTarget(Path target) throws IOException {
    Path lib = Files.createDirectories(target.resolve("lib"));
    for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      Path p = Path.of(entry);
      if (entry.endsWith(".jar") && Files.isRegularFile(p) && !Files.exists(lib.resolve(p.getFileName()))) {
        Files.createSymbolicLink(lib.resolve(p.getFileName()), p.toAbsolutePath());
      } else if (Files.isDirectory(p) && p.endsWith("classes") && !p.toString().contains("test-classes")) {
        jar(p, target.resolve("wormholes-node-0.0.0-TEST.jar"));
      }
    }
    assertTrue(Files.exists(target.resolve("wormholes-node-0.0.0-TEST.jar")), "no target/classes on the classpath");
    return target;
  }

  private static void jar(Path classes, Path jar) throws IOException {
    try (OutputStream os = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(os);
         Stream<Path> files = Files.walk(classes)) {
      for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
        out.write(Files.readAllBytes(f));
        out.closeEntry();
      }
    }
  }

  private static void executable(Path p) throws IOException {
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
  }
}
