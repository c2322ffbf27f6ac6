package dev.wormholes.node.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeopleCommandsTest {
  @Test
  void durationsForInviteExpiry() {
    assertEquals(90, PeopleCommands.seconds("90s"));
    assertEquals(600, PeopleCommands.seconds("10m"));
    assertEquals(86_400, PeopleCommands.seconds("24H"));
    assertEquals(30 * 86_400, PeopleCommands.seconds("30d"));
    for (String bad : new String[] {"", "0s", "31d", "1w", "h", "-1h", "1.5h"}) {
      CliException e = assertThrows(CliException.class, () -> PeopleCommands.seconds(bad), bad);
      assertEquals(CliException.USAGE, e.exitCode());
    }
  }

  @Test
  void inputReadsAFileOrStdinUpToTheLimit(@TempDir Path dir) throws IOException {
    byte[] stdin = "from stdin".getBytes(StandardCharsets.UTF_8);
    assertArrayEquals(stdin, PeopleCommands.input(null, new ByteArrayInputStream(stdin)));
    assertArrayEquals(stdin, PeopleCommands.input("-", new ByteArrayInputStream(stdin)));
    Path f = Files.write(dir.resolve("m.txt"), new byte[] {0, 1, 2, (byte) 0xff});
    assertArrayEquals(new byte[] {0, 1, 2, (byte) 0xff}, PeopleCommands.input(f.toString(), new ByteArrayInputStream(stdin)));
    byte[] exactly = new byte[PeopleCommands.MAX_INPUT];
    assertEquals(PeopleCommands.MAX_INPUT, PeopleCommands.input(null, new ByteArrayInputStream(exactly)).length);
    Path big = Files.write(dir.resolve("big"), new byte[PeopleCommands.MAX_INPUT + 1]);
    for (String bad : new String[] {big.toString(), dir.resolve("missing").toString(), dir.toString()}) {
      CliException e = assertThrows(CliException.class, () -> PeopleCommands.input(bad, new ByteArrayInputStream(stdin)), bad);
      assertEquals(CliException.USAGE, e.exitCode());
      assertTrue(e.getMessage().contains(bad), e.getMessage());
    }
    CliException e = assertThrows(CliException.class,
        () -> PeopleCommands.input(null, new ByteArrayInputStream(new byte[PeopleCommands.MAX_INPUT + 1])));
    assertTrue(e.getMessage().startsWith("stdin is larger than"), e.getMessage());
  }
}
