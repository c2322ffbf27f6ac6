package dev.wormholes.node.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.wire.StoredValue;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An acknowledged put survives kill -9 of the process that made it (LMDB syncs each commit by default; no MDB_NOSYNC). */
class LmdbDurabilityTest {
  @TempDir
  Path tmp;

  @Test
  void acknowledgedPutSurvivesKill9() throws Exception {
    DataDir dir = DataDir.open(tmp.resolve("data"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(List.of(java,
        "--add-opens", "java.base/java.nio=ALL-UNNAMED", "--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED",
        "-cp", System.getProperty("java.class.path"), LmdbCrashChild.class.getName(),
        dir.db().toString(), "survives kill -9"))
        .redirectErrorStream(true).start();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      do {
        line = out.readLine();
      } while (line != null && !line.equals("ACKED"));
      assertEquals("ACKED", line, "the child did not acknowledge the put");
      child.destroyForcibly(); // SIGKILL
      child.waitFor(10, TimeUnit.SECONDS);
    } finally {
      child.destroyForcibly();
    }
    assertEquals(137, child.exitValue(), "killed by SIGKILL");
    StoredValue v = DhtValues.immutable("survives kill -9".getBytes());
    try (LmdbNodeStore s = LmdbNodeStore.open(dir.db())) {
      assertEquals(v, s.values().get(DhtValues.keyOf(v).orElseThrow()));
    }
  }
}
